using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Engine.DevTokens;

namespace BluBees.Bench.Harness;

/// <summary>
/// Plays Atlassian's token issuer: our own RSA key, its JWKS served over loopback, and tokens shaped like
/// Forge Invocation Tokens (the same claim builder the CLI uses; 5-minute lifetime).
/// </summary>
internal sealed class BenchIssuer : IAsyncDisposable
{
    public const string AppId = "ari:cloud:ecosystem::app/6f1f6a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
    private LoopbackServer? _server;

    public RSA Key { get; } = RSA.Create(2048);

    public string KeyId { get; } = "bench-" + Guid.NewGuid().ToString("N")[..8];

    public Uri JwksUrl => new(_server!.Address, "/.well-known/jwks.json");

    public static async Task<BenchIssuer> StartAsync()
    {
        var issuer = new BenchIssuer();
        var jwks = issuer.Jwks();
        issuer._server = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(jwks);
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

    /// <summary>A token as Forge mints it for the events remote: the events module, no user.</summary>
    public static DevTokenRequest For(string tenantId) => new(AppId, tenantId, "cloud-bench", "https://api.atlassian.com/ex/jira/cloud-bench")
    {
        ModuleKey = ForgeModuleKeys.Events,
        AccountId = null,
    };

    /// <summary>A valid token for the tenant, minted now (lives <see cref="DevTokenRequest.Lifetime"/>, 5 minutes).</summary>
    public string Mint(string tenantId, DateTimeOffset now)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        return DevTokenIssuer.Sign(Key, header, DevTokenClaims.Build(For(tenantId), now));
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
