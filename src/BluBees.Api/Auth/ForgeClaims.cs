using System.Text.Json;
using BluBees.Engine.Tenancy;

namespace BluBees.Api.Auth;

/// <summary>
/// Forge's own claims of a FIT the handler already verified (signature, issuer, audience, lifetime: <see cref="Rs256Jws"/>):
/// one audience, <c>app.id</c> present and equal to ours, <c>principal</c> absent or an account id, <c>app.environment.type</c> equal to the configured one
/// when <see cref="ForgeOptions.EnvironmentType"/> is set, and the tenant from <c>app.installationId</c>.
/// </summary>
internal static class ForgeClaims
{
    public static (TenantContext? Tenant, TokenFailure Failure) Check(JsonElement claims, ForgeOptions options)
    {
        if (claims.ValueKind != JsonValueKind.Object)
        {
            return (null, TokenFailure.Malformed);
        }

        // The handler checked that our app id is among the audiences; a token for several audiences is refused.
        if (!SingleAudience(claims))
        {
            return (null, TokenFailure.Audience);
        }

        if (!claims.TryGetProperty("app", out var app) || app.ValueKind != JsonValueKind.Object)
        {
            return (null, TokenFailure.MissingClaim);
        }

        // A token minted for another app never passes, even if its audience were ours; nor one that does not say
        // which app it is for (no app.id, or not a string): every FIT names its app (FORGE.md).
        if (Str(app, "id") is not { } appId)
        {
            return (null, TokenFailure.MissingClaim);
        }

        if (appId != options.AppId)
        {
            return (null, TokenFailure.Audience);
        }

        // Every environment of the app (development, staging, production) shares its app id: when the operator pins
        // this backend to one, a token from another environment's installation is not for this backend.
        if (!string.IsNullOrEmpty(options.EnvironmentType) && !string.Equals(EnvironmentType(app), options.EnvironmentType, StringComparison.OrdinalIgnoreCase))
        {
            return (null, TokenFailure.Audience);
        }

        if (Str(app, "installationId") is not { Length: > 0 and <= 200 } installationId)
        {
            return (null, TokenFailure.MissingClaim);
        }

        if (!TryPrincipal(claims, out var principal))
        {
            return (null, TokenFailure.Malformed);
        }

        var cloudId = CloudId(claims, app);
        var tenant = new TenantContext(installationId, cloudId, Str(app, "apiBaseUrl")) { PrincipalAccountId = principal };
        return (tenant, TokenFailure.None);
    }

    /// <summary>
    /// <c>principal</c>: "The identifier for the user who invoked the app. UI modules only.", of type <c>string</c>
    /// (https://developer.atlassian.com/platform/forge/remote/essentials/#the-forge-invocation-token--fit-). That
    /// identifier is the user's Atlassian account id, at most 128 characters ("accountId", Jira's user schema:
    /// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get), made
    /// of letters, digits, <c>:</c>, <c>-</c> and <c>_</c> (<c>5b10ac8d82e05b22cc7d4ef5</c>,
    /// <c>557058:f58131cb-b67d-43c7-b30d-6b58d40bd077</c>, <c>qm:…</c>). Absent (or null): no user, as on product
    /// events. Present but not such a string (empty, blank, a number, an object, control characters, too long): the
    /// token is malformed and refused (401), never read as "no user" on a backend route nor as some user on a UI route.
    /// </summary>
    internal static bool TryPrincipal(JsonElement claims, out string? principal)
    {
        principal = null;
        if (!claims.TryGetProperty("principal", out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (p.ValueKind != JsonValueKind.String || p.GetString() is not { } value || !IsAccountId(value))
        {
            return false;
        }

        principal = value;
        return true;
    }

    /// <summary>The longest Atlassian account id (Jira's user schema: <c>accountId</c>, max length 128).</summary>
    internal const int MaxAccountIdLength = 128;

    /// <summary>Whether <paramref name="value"/> has the form of an Atlassian account id (see <see cref="TryPrincipal"/>).</summary>
    internal static bool IsAccountId(string value) => value is { Length: > 0 and <= MaxAccountIdLength } && value.All(IsAccountIdChar);

    private static bool IsAccountIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_';

    /// <summary>
    /// <c>app.module.key</c>: the manifest module the invocation was made for, e.g. <c>{"app": {"module": {"key":
    /// "events-endpoint", "type": "..."}}}</c> (https://developer.atlassian.com/platform/forge/remote/essentials/,
    /// shape also shown at https://developer.atlassian.com/platform/forge/rest/v2/api-group-forge-context/). Only this
    /// signed claim counts; <c>context.moduleKey</c> is not read.
    /// </summary>
    public static string? ModuleKey(JsonElement claims)
        => claims.TryGetProperty("app", out var app) && app.ValueKind == JsonValueKind.Object
           && app.TryGetProperty("module", out var module) && module.ValueKind == JsonValueKind.Object
           && Str(module, "key") is { Length: > 0 and <= 100 } key
            ? key
            : null;

    /// <summary>A string audience or an array of exactly one (a token for several APIs is refused).</summary>
    public static bool SingleAudience(JsonElement claims)
        => claims.TryGetProperty("aud", out var aud) && aud.ValueKind switch
        {
            JsonValueKind.String => true,
            JsonValueKind.Array => aud.GetArrayLength() == 1 && aud[0].ValueKind == JsonValueKind.String,
            _ => false,
        };

    /// <summary><c>app.environment.type</c> (<c>DEVELOPMENT</c>, <c>STAGING</c> or <c>PRODUCTION</c>), or null.</summary>
    private static string? EnvironmentType(JsonElement app)
        => app.TryGetProperty("environment", out var environment) && environment.ValueKind == JsonValueKind.Object ? Str(environment, "type") : null;

    private static string? CloudId(JsonElement claims, JsonElement app)
    {
        if (claims.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object && Str(context, "cloudId") is { } fromContext)
        {
            return fromContext;
        }

        if (app.TryGetProperty("installation", out var installation) && installation.ValueKind == JsonValueKind.Object
            && installation.TryGetProperty("contexts", out var contexts) && contexts.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in contexts.EnumerateArray())
            {
                if (c.ValueKind == JsonValueKind.Object && Str(c, "cloudId") is { } cloudId)
                {
                    return cloudId;
                }
            }
        }

        return null;
    }

    private static string? Str(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
