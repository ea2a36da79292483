using System.Text.Json.Nodes;

namespace BluBees.Engine.DevTokens;

/// <summary>What a development token is for.</summary>
public sealed record DevTokenRequest(string AppId, string TenantId, string CloudId, string ApiBaseUrl)
{
    public string? AccountId { get; init; }

    /// <summary>
    /// <c>app.module.key</c>: the manifest module the token is minted for (see <see cref="ForgeModuleKeys"/>). Each backend
    /// route accepts only its own module's tokens.
    /// </summary>
    public string? ModuleKey { get; init; } = ForgeModuleKeys.Ui;
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
        if (r.ModuleKey is not null)
        {
            // Shape documented for the invocation context (app.module {key, type}):
            // https://developer.atlassian.com/platform/forge/rest/v2/api-group-forge-context/ and
            // https://developer.atlassian.com/platform/forge/remote/essentials/ (FIT claims). The type is informational.
            ((JsonObject)claims["app"]!)["module"] = new JsonObject
            {
                ["key"] = r.ModuleKey,
                ["type"] = r.ModuleKey == ForgeModuleKeys.Webhook ? "core:webtrigger" : "core:endpoint",
            };
        }

        if (r.AccountId is not null)
        {
            claims["principal"] = r.AccountId;
        }

        return claims;
    }
}
