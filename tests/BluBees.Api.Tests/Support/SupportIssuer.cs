using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// Plays the company identity provider: its own RSA key and JWKS on loopback, and support tokens with the
/// role and MFA by default, plus variants for the security tests.
/// </summary>
public sealed class SupportIssuer : IAsyncDisposable
{
    public const string IssuerName = "https://idp.blubees.test/";
    public const string Audience = "api://blubees-support";
    public const string Role = "blubees-support";
    public const string AcceptedAcr = "urn:blubees:acr:mfa";
    private LoopbackServer? _server;

    public RSA Key { get; } = RSA.Create(2048);
    public string KeyId { get; } = "idp-" + Guid.NewGuid().ToString("N")[..8];
    public Uri JwksUrl => new(_server!.Address, "/keys");

    public static async Task<SupportIssuer> StartAsync()
    {
        var issuer = new SupportIssuer();
        issuer._server = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(issuer.Jwks());
        });
        return issuer;
    }

    /// <summary>The backend settings that trust this issuer.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Support:Enabled"] = "true",
        ["Support:Issuer"] = IssuerName,
        ["Support:JwksUrl"] = JwksUrl.ToString(),
        ["Support:Audience"] = Audience,
        ["Support:AcceptedAcr"] = AcceptedAcr,
    };

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

    public static JsonObject Claims(string subject = "staff-42", DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new JsonObject
        {
            ["iss"] = IssuerName,
            ["aud"] = Audience,
            ["sub"] = subject,
            ["email"] = subject + "@blubees.test",
            ["iat"] = at.ToUnixTimeSeconds(),
            ["nbf"] = at.ToUnixTimeSeconds(),
            ["exp"] = at.AddMinutes(10).ToUnixTimeSeconds(),
            ["roles"] = new JsonArray("engineer", Role),
            ["amr"] = new JsonArray("pwd", "mfa"),
            ["auth_time"] = at.ToUnixTimeSeconds(),
        };
    }

    /// <summary>A valid support token (role and MFA), optionally edited.</summary>
    public string Mint(Action<JsonObject>? editClaims = null, Action<JsonObject>? editHeader = null, DateTimeOffset? now = null, string subject = "staff-42")
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        var claims = Claims(subject, now);
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
