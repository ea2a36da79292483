using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BluBees.Api.Auth;

/// <summary>
/// Verifies a compact JWS for every token issuer we trust (Forge, the support IdP) and hands back the verified
/// payload. A thin layer of the checks <c>JsonWebTokenHandler</c> lacks runs first — size cap before any parsing,
/// three non-empty parts, header-supplied key material and <c>crit</c> refused (never fetched), <c>alg</c> RS256 and a
/// <c>kid</c>, duplicate claims refused — then the key is looked up by <c>kid</c> in the cached JWKS only, and
/// Microsoft.IdentityModel's handler checks signature, algorithm, issuer, audience and lifetime (<see cref="TokenRules"/>).
/// Issuer-specific claims (Forge's <c>app</c>, the support subject) belong to the caller.
/// </summary>
internal static class Rs256Jws
{
    private const int MaxHeaderBytes = 1024;
    private static readonly string[] ForbiddenHeaders = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];

    // Stateless and thread-safe; inbound claim mapping is irrelevant since callers read the payload we parsed.
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    // One SecurityKey per cached RSA instance, so IdentityModel's signature-provider cache is hit instead of
    // re-deriving a key id per request; entries go when the JWKS cache drops the RSA.
    private static readonly ConditionalWeakTable<RSA, RsaSecurityKey> SecurityKeys = [];

    /// <summary>The verified payload (caller disposes), or null and why not.</summary>
    public static async ValueTask<(JsonDocument? Payload, TokenFailure Failure)> VerifyAsync(string? token, IJwksSource keys, TokenRules rules, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, TokenFailure.Missing);
        }

        if (token.Length > rules.MaxTokenLength)
        {
            return (null, TokenFailure.TooLong);
        }

        var firstDot = token.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.Length - 1 || token.IndexOf('.', secondDot + 1) >= 0)
        {
            return (null, TokenFailure.Malformed);
        }

        var headerPart = token.AsSpan(0, firstDot);
        if (headerPart.Length > MaxHeaderBytes * 4 / 3 + 4 || !TryDecode(headerPart, out var headerBytes))
        {
            return (null, TokenFailure.Malformed);
        }

        var (kid, headerFailure) = ReadHeader(headerBytes);
        if (kid is null)
        {
            return (null, headerFailure);
        }

        // Duplicate claims are refused before the handler reads them: {"aud": ours, "aud": other} must not be read
        // either way. The payload is at most MaxTokenLength, so parsing it before the signature check is bounded.
        if (ParsePayload(token.AsSpan(firstDot + 1, secondDot - firstDot - 1)) is not { } payload)
        {
            return (null, TokenFailure.Malformed);
        }

        try
        {
            var key = await keys.GetKeyAsync(kid, ct);
            if (key is null)
            {
                payload.Dispose();
                return (null, TokenFailure.UnknownKey);
            }

            var result = await Handler.ValidateTokenAsync(token, Parameters(rules, kid, key));
            if (!result.IsValid)
            {
                payload.Dispose();
                return (null, TokenFailures.From(result.Exception));
            }

            return (payload, TokenFailure.None);
        }
        catch
        {
            payload.Dispose();
            throw;
        }
    }

    /// <summary>The handler's checks for a token signed by <paramref name="key"/> (already looked up by <c>kid</c>).</summary>
    private static TokenValidationParameters Parameters(TokenRules rules, string kid, RSA key) => new()
    {
        IssuerSigningKey = SecurityKeys.GetValue(key, k => new RsaSecurityKey(k) { KeyId = kid }),
        TryAllIssuerSigningKeys = false,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        ValidateIssuer = true,
        ValidIssuer = rules.Issuer,
        ValidateAudience = true,
        ValidAudience = rules.Audience,
        RequireAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(rules.ClockSkewSeconds),
        LifetimeValidator = rules.CheckLifetime,
        // The key came from the issuer's JWKS by kid; there is no certificate chain to validate.
        ValidateIssuerSigningKey = false,
        SaveSigninToken = false,
        LogValidationExceptions = false,
    };

    private static JsonDocument? ParsePayload(ReadOnlySpan<char> part)
    {
        if (!TryDecode(part, out var payloadBytes))
        {
            return null;
        }

        if (!IsReadableText(payloadBytes))
        {
            return null;
        }

        try
        {
            var payload = JsonDocument.Parse(payloadBytes, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            if (payload.RootElement.ValueKind == JsonValueKind.Object)
            {
                return payload;
            }

            payload.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (string? Kid, TokenFailure Failure) ReadHeader(byte[] headerBytes)
    {
        if (!IsReadableText(headerBytes))
        {
            return (null, TokenFailure.Malformed);
        }

        try
        {
            using var header = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 4, AllowDuplicateProperties = false });
            var root = header.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, TokenFailure.Malformed);
            }

            if (ForbiddenHeaders.Any(h => root.TryGetProperty(h, out _)))
            {
                return (null, TokenFailure.ForbiddenHeader);
            }

            if (!root.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "RS256")
            {
                return (null, TokenFailure.Algorithm);
            }

            return root.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String && kid.GetString() is { Length: > 0 and <= 256 } k
                ? (k, TokenFailure.None)
                : (null, TokenFailure.UnknownKey);
        }
        catch (JsonException)
        {
            return (null, TokenFailure.Malformed);
        }
    }

    /// <summary>
    /// Every string and name of the part is text (valid UTF-8, no lone surrogate escape such as <c>\ud800</c>): the
    /// parser accepts both and only reading the value throws — an <c>alg</c> or <c>kid</c> of such text, or a header
    /// property named so, was a 500 for anyone, before any signature was checked. Refused as malformed (401).
    /// </summary>
    private static bool IsReadableText(byte[] json) => BluBees.Api.Infrastructure.JsonScan.IsReadableText(json);

    private static bool TryDecode(ReadOnlySpan<char> part, out byte[] bytes)
    {
        bytes = [];
        if (!Base64Url.IsValid(part))
        {
            return false;
        }

        bytes = Base64Url.DecodeFromChars(part);
        return true;
    }
}
