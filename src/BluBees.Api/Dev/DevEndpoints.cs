using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Dev;

/// <summary>Development only: the dev issuer's JWKS and a token endpoint for the local UI bridge.</summary>
internal static class DevEndpoints
{
    public static IEndpointRouteBuilder MapDevEndpoints(this IEndpointRouteBuilder app)
    {
        // The issuer's key (.data/dev-issuer.pem, 0600) is created now, at start, not at the first token: the CLI
        // signs its tokens with that file and looks for it before asking /dev/token.
        _ = app.ServiceProvider.GetRequiredService<DevTokenIssuer>();
        var dev = app.MapGroup("/dev").AllowAnonymous().AddEndpointFilter(LoopbackOnlyAsync);
        dev.MapGet("/jwks.json", (DevTokenIssuer issuer) => TypedResults.Text(issuer.JwksJson(), "application/json"));
        dev.MapPost("/token", MintAsync);
        return app;
    }

    /// <summary>
    /// The dev issuer mints an administrator's token for any tenant, to anyone who asks: it answers only a caller on
    /// this machine (a loopback address), so a backend started with <c>DevIssuer:Enabled</c> and bound to a network
    /// address (<c>--urls http://0.0.0.0:…</c>) does not hand its tenants to the network, and only a request that names
    /// this machine (<see cref="ThisMachineNames"/>), so a page of another site in the developer's browser, which is a
    /// loopback caller, gets no token by rebinding its name to 127.0.0.1, and only a request no proxy says it forwarded
    /// (<see cref="ForwardedRequests"/>). Behind a proxy on this machine that says nothing every caller is loopback,
    /// which is why the issuer is also refused at start beside the AWS providers.
    /// </summary>
    private static ValueTask<object?> LoopbackOnlyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (LoopbackCallers.IsLoopback(context.HttpContext) && ThisMachineNames.AreNamedBy(context.HttpContext.Request) && !ForwardedRequests.AnyIn(context.HttpContext.Request))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(Problems.Forbidden("The development token issuer answers only callers on this machine (a loopback address) whose Host, and Origin if sent, name it (localhost or a loopback address), and no request a proxy forwarded."));
    }

    internal static async Task<Results<Ok<DevTokenResponse>, BodyProblem, InvalidProblem>> MintAsync(
        HttpRequest http, DevTokenIssuer issuer, IOptions<ForgeOptions> forge, IOptions<ForgeModuleOptions> modules, IOptions<DevOptions> dev, TimeProvider time)
    {
        var request = new DevTokenBody(null, null, null, null, null);
        // The raw request, not a bound body: the body is optional (none means the defaults) and size-capped.
        // A chunked body has no Content-Length: a content type or Transfer-Encoding says there is one; a tenant is never silently ignored.
        if (http.ContentLength is > 0 || http.ContentLength is null && (http.ContentType is not null || http.Headers.TransferEncoding.Count > 0))
        {
            var (body, problem) = await JsonBody.ReadAsync<DevTokenBody>(http, 4096);
            if (problem is not null)
            {
                return problem;
            }

            request = body!;
        }

        // A token whose installation id every route refuses (ForgeClaims: 1–200 characters) is no token: say so here,
        // not with a 401 "not valid" at the first call.
        if (request.TenantId is { Length: 0 or > MaxTenantIdLength })
        {
            return Problems.Invalid("tenantId", $"must be an installation id of 1 to {MaxTenantIdLength} characters (leave it out for the default)");
        }

        // A principal that is not an account id (empty, spaces, too long) makes the token malformed (ForgeClaims.TryPrincipal):
        // refused here, not with a 401 at the first call.
        if (request.AccountId is { } accountId && !Auth.ForgeClaims.IsAccountId(accountId))
        {
            return Problems.Invalid("accountId", $"must be an Atlassian account id: 1 to {Auth.ForgeClaims.MaxAccountIdLength} letters, digits, ':', '-' or '_' (leave it out for dev-admin)");
        }

        // Each route accepts only its own module's tokens (and a user only on /api): name the route (path) or the module.
        var route = request.Path is { } path ? RouteFor(path) : request.Module is { } name ? RouteForName(name) : ForgeRoute.Ui;
        if (route is not { } r)
        {
            return Problems.Invalid(request.Path is null ? "module" : "path", "must name a route of this API: ui (/api/...), events, lifecycle, uninstall, scheduled or webhook");
        }

        var token = issuer.Mint(
            new DevTokenRequest(forge.Value.AppId, request.TenantId ?? dev.Value.DefaultTenantId, request.CloudId ?? dev.Value.DefaultCloudId, dev.Value.DefaultApiBaseUrl)
            {
                AccountId = r == ForgeRoute.Ui ? request.AccountId ?? "dev-admin" : null,
                // The issue panel's Custom UI calls /api/* with its own module key (named by "module": "issue-panel").
                ModuleKey = r == ForgeRoute.Ui && request.Path is null && ForgeModuleKeys.ForName(request.Module) == ForgeModuleKeys.IssuePanel
                    ? modules.Value.IssuePanel
                    : modules.Value.KeyFor(r),
            },
            time.GetUtcNow());
        return TypedResults.Ok(new DevTokenResponse(token));
    }

    /// <summary>The longest <c>app.installationId</c> a Forge token may carry here (ForgeClaims).</summary>
    private const int MaxTenantIdLength = 200;

    private static ForgeRoute? RouteFor(string path)
        => path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || path.Equals("/api", StringComparison.OrdinalIgnoreCase)
            ? ForgeRoute.Ui
            : ForgeModuleKeys.IsBackendPath(path) ? RouteForName(path["/forge/".Length..].Split('?', '/')[0]) : null;

    private static ForgeRoute? RouteForName(string name) => name.ToLowerInvariant() switch
    {
        "ui" or "api" or "admin" or "issue-panel" or "issuepanel" => ForgeRoute.Ui,
        "events" => ForgeRoute.Events,
        "lifecycle" => ForgeRoute.Lifecycle,
        "uninstall" or "preuninstall" => ForgeRoute.Uninstall,
        "scheduled" => ForgeRoute.Scheduled,
        "webhook" => ForgeRoute.Webhook,
        _ => null,
    };
}

/// <summary>
/// What a development token is for: tenant, user (UI routes only) and the route — <c>path</c> (e.g.
/// <c>/forge/events</c>) or <c>module</c> (<c>ui</c>, <c>events</c>, <c>lifecycle</c>, <c>uninstall</c>, <c>scheduled</c>,
/// <c>webhook</c>); default: the UI.
/// </summary>
internal sealed record DevTokenBody(string? TenantId, string? AccountId, string? CloudId, string? Path, string? Module);

/// <summary>The minted development token: <c>{"token": "…"}</c>.</summary>
internal sealed record DevTokenResponse(string Token);
