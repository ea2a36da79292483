using System.Text.Json;
using BluBees.Api.Auth;

namespace BluBees.Api.Support;

/// <summary>Checks the registered claims of a verified support token and reads the identity from it.</summary>
public static class SupportClaims
{
    private const int MaxListItems = 100;

    public static (SupportIdentity? Identity, TokenFailure Failure) Check(JsonElement claims, SupportOptions options, DateTimeOffset now)
    {
        if (Str(claims, "iss") != options.Issuer)
        {
            return (null, TokenFailure.Issuer);
        }

        if (!AudienceMatches(claims, options.Audience))
        {
            return (null, TokenFailure.Audience);
        }

        var nowSeconds = now.ToUnixTimeSeconds();
        if (!claims.TryGetProperty("exp", out var exp) || exp.ValueKind != JsonValueKind.Number || !exp.TryGetInt64(out var expSeconds))
        {
            return (null, TokenFailure.MissingClaim);
        }

        if (nowSeconds > expSeconds + options.ClockSkewSeconds)
        {
            return (null, TokenFailure.Expired);
        }

        if (claims.TryGetProperty("nbf", out var nbf)
            && (nbf.ValueKind != JsonValueKind.Number || !nbf.TryGetInt64(out var nbfSeconds) || nowSeconds < nbfSeconds - options.ClockSkewSeconds))
        {
            return (null, TokenFailure.NotYetValid);
        }

        if (Str(claims, "sub") is not { Length: > 0 and <= 256 } subject)
        {
            return (null, TokenFailure.MissingClaim);
        }

        var email = Str(claims, "email") is { Length: > 0 and <= 320 } e ? e : null;
        var acr = Str(claims, "acr") is { Length: > 0 and <= 256 } a ? a : null;
        var identity = new SupportIdentity(subject, email, Strings(claims, options.RoleClaim, allowSingle: true), Strings(claims, "amr", allowSingle: false), acr);
        return (identity, TokenFailure.None);
    }

    /// <summary>A string audience, or an array holding exactly our audience (a token for several APIs is refused).</summary>
    private static bool AudienceMatches(JsonElement claims, string audience)
        => claims.TryGetProperty("aud", out var aud) && aud.ValueKind switch
        {
            JsonValueKind.String => aud.GetString() == audience,
            JsonValueKind.Array => aud.GetArrayLength() == 1 && aud[0].ValueKind == JsonValueKind.String && aud[0].GetString() == audience,
            _ => false,
        };

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

    private static string? Str(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
