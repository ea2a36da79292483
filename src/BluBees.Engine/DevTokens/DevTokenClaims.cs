using System.Text.Json.Nodes;

namespace BluBees.Engine.DevTokens;

/// <summary>What a development token is for.</summary>
public sealed record DevTokenRequest(string AppId, string TenantId, string CloudId, string ApiBaseUrl)
{
    public string? AccountId { get; init; }
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(5);
    public string Issuer { get; init; } = "forge/invocation-token";
}

/// <summary>Forge Invocation Token claims as documented in FORGE.md.</summary>
public static class DevTokenClaims
{
    public static JsonObject Build(DevTokenRequest r, DateTimeOffset now)
    {
        var claims = new JsonObject
        {
            ["iss"] = r.Issuer,
            ["aud"] = r.AppId,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(r.Lifetime).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["app"] = new JsonObject
            {
                ["id"] = r.AppId,
                ["appVersion"] = "1.0.0",
                ["installationId"] = r.TenantId,
                ["apiBaseUrl"] = r.ApiBaseUrl,
                ["environment"] = new JsonObject { ["type"] = "DEVELOPMENT", ["id"] = "dev" },
                ["installation"] = new JsonObject
                {
                    ["id"] = r.TenantId,
                    ["contexts"] = new JsonArray(new JsonObject { ["name"] = "jira", ["apiBaseUrl"] = r.ApiBaseUrl, ["cloudId"] = r.CloudId }),
                },
                ["license"] = new JsonObject { ["active"] = true },
            },
            ["context"] = new JsonObject { ["cloudId"] = r.CloudId },
        };
        if (r.AccountId is not null)
        {
            claims["principal"] = r.AccountId;
        }

        return claims;
    }
}
