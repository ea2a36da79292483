using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.DevTokens;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Dev;

/// <summary>Development only: the dev issuer's JWKS and a token endpoint for the local UI bridge.</summary>
public static class DevEndpoints
{
    public static IEndpointRouteBuilder MapDevEndpoints(this IEndpointRouteBuilder app)
    {
        var dev = app.MapGroup("/dev").AllowAnonymous();
        dev.MapGet("/jwks.json", (DevTokenIssuer issuer) => TypedResults.Text(issuer.JwksJson(), "application/json"));
        dev.MapPost("/token", MintAsync);
        return app;
    }

    internal static async Task<IResult> MintAsync(HttpContext context, DevTokenIssuer issuer, IOptions<ForgeOptions> forge, IOptions<DevOptions> dev, TimeProvider time)
    {
        var request = new DevTokenBody(null, null, null);
        // Chunked bodies (no Content-Length) count too: a client's tenant must never be silently ignored.
        if (context.Request.ContentLength is > 0 || (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count > 0))
        {
            var (body, problem) = await JsonBody.ReadAsync<DevTokenBody>(context.Request, 4096);
            if (problem is not null)
            {
                return problem;
            }

            request = body!;
        }

        var token = issuer.Mint(
            new DevTokenRequest(forge.Value.AppId, request.TenantId ?? dev.Value.DefaultTenantId, request.CloudId ?? dev.Value.DefaultCloudId, dev.Value.DefaultApiBaseUrl)
            {
                AccountId = request.AccountId ?? "dev-admin",
            },
            time.GetUtcNow());
        return TypedResults.Ok(new { token });
    }
}

public sealed record DevTokenBody(string? TenantId, string? AccountId, string? CloudId);
