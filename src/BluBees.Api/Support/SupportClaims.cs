using System.Text.Json;
using BluBees.Api.Auth;

namespace BluBees.Api.Support;

/// <summary>Reads the identity from a support token the handler already verified (<see cref="Rs256Jws"/>).</summary>
internal static class SupportClaims
{
    private const int MaxListItems = 100;
    private const double MaxEpochSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, the last second DateTimeOffset holds

    public static (SupportIdentity? Identity, TokenFailure Failure) Check(JsonElement claims, SupportOptions options)
    {
        // Issuer, audience and lifetime were checked by the handler (Rs256Jws); a token for several APIs is refused.
        if (!ForgeClaims.SingleAudience(claims))
        {
            return (null, TokenFailure.Audience);
        }

        if (Str(claims, "sub") is not { Length: > 0 and <= 256 } subject)
        {
            return (null, TokenFailure.MissingClaim);
        }

        var email = Str(claims, "email") is { Length: > 0 and <= 320 } e ? e : null;
        var acr = Str(claims, "acr") is { Length: > 0 and <= 256 } a ? a : null;
        var identity = new SupportIdentity(subject, email, Strings(claims, options.RoleClaim, allowSingle: true), Strings(claims, "amr", allowSingle: false), acr, AuthTime(claims));
        return (identity, TokenFailure.None);
    }

    private static string[] Strings(JsonElement claims, string name, bool allowSingle)
    {
        if (!claims.TryGetProperty(name, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.String when allowSingle => [value.GetString()!],
            JsonValueKind.Array => [.. value.EnumerateArray().Take(MaxListItems).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)],
            _ => [],
        };
    }

    /// <summary>
    /// <c>auth_time</c>: a JSON number of seconds since the epoch (OIDC Core 1.0 §2); anything else (a string, out of
    /// range) is treated as absent, which <see cref="SupportIdentity.Denial"/> refuses.
    /// </summary>
    private static DateTimeOffset? AuthTime(JsonElement claims)
    {
        if (!claims.TryGetProperty("auth_time", out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds))
        {
            return null;
        }

        return seconds is >= 0 and <= MaxEpochSeconds ? DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds)) : null;
    }

    private static string? Str(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
