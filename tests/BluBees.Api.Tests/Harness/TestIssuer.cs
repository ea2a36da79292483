using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// Plays Atlassian's token issuer: an RSA key whose JWKS is served over loopback, and tokens shaped like
/// Forge Invocation Tokens, plus hostile variants for the security tests.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string AppId = "ari:cloud:ecosystem::app/6f1f6a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
    private int _fetches;
    private LoopbackServer? _server;

    public RSA Key { get; } = RSA.Create(2048);
    public string KeyId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];
    public Uri JwksUrl => new(_server!.Address, "/.well-known/jwks.json");
    public int JwksFetches => Volatile.Read(ref _fetches);

    public static async Task<TestIssuer> StartAsync()
    {
        var issuer = new TestIssuer();
        issuer._server = await LoopbackServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref issuer._fetches);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(issuer.Jwks());
        });
        return issuer;
    }

    public string Jwks()
    {
        var p = Key.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = KeyId,
                ["n"] = Base64Url.EncodeToString(p.Modulus), ["e"] = Base64Url.EncodeToString(p.Exponent),
            }),
        }.ToJsonString();
    }

    /// <summary>A token request for the tenant; by default a UI (<c>/api</c>) token of the given user.</summary>
    public static DevTokenRequest For(string tenantId, string? accountId = "557058:admin", string? module = ForgeModuleKeys.Ui) => new(AppId, tenantId, "cloud-" + tenantId[^6..], "https://api.atlassian.com/ex/jira/cloud-" + tenantId[^6..])
    {
        AccountId = accountId,
        ModuleKey = module,
    };

    /// <summary>
    /// What Forge would send to <paramref name="path"/>: the route's own manifest module, and the user only on UI routes
    /// (<c>/forge/*</c> modules run without one).
    /// </summary>
    public static DevTokenRequest ForRoute(string path, string tenantId, string? accountId = "557058:admin")
        => For(tenantId, ForgeModuleKeys.IsBackendPath(path) ? null : accountId, ForgeModuleKeys.ForPath(path));

    /// <summary>A valid UI (<c>/api</c>) token for the tenant.</summary>
    public string Mint(string tenantId, string? accountId = "557058:admin") => Mint(For(tenantId, accountId));

    /// <summary>A valid token for the route, as Forge would mint it (see <see cref="ForRoute"/>).</summary>
    public string MintFor(string path, string tenantId, DateTimeOffset? now = null) => Mint(ForRoute(path, tenantId), now: now);

    public string Mint(DevTokenRequest request, Action<JsonObject>? editHeader = null, Action<JsonObject>? editClaims = null, DateTimeOffset? now = null)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        var claims = DevTokenClaims.Build(request, now ?? DateTimeOffset.UtcNow);
        editHeader?.Invoke(header);
        editClaims?.Invoke(claims);
        return DevTokenIssuer.Sign(Key, header, claims);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Key.Dispose();
    }
}
