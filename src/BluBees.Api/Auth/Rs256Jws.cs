using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BluBees.Api.Auth;

/// <summary>
/// Verifies a compact JWS for every token issuer we trust (Forge, the support IdP) — RS256 only, key by <c>kid</c> from an
/// <see cref="IJwksSource"/>, header-supplied key material and <c>crit</c> refused — and hands back the verified
/// payload; claim checks belong to the caller.
/// </summary>
public static class Rs256Jws
{
    private const int MaxHeaderBytes = 1024;
    private static readonly string[] ForbiddenHeaders = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];

    /// <summary>The verified payload (caller disposes), or null and why not.</summary>
    public static async ValueTask<(JsonDocument? Payload, TokenFailure Failure)> VerifyAsync(string? token, IJwksSource keys, int maxLength, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, TokenFailure.Missing);
        }

        if (token.Length > maxLength)
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

        var key = await keys.GetKeyAsync(kid, ct);
        if (key is null)
        {
            return (null, TokenFailure.UnknownKey);
        }

        if (!TryDecode(token.AsSpan(secondDot + 1), out var signature) || signature.Length != key.KeySize / 8)
        {
            return (null, TokenFailure.Signature);
        }

        if (!key.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return (null, TokenFailure.Signature);
        }

        if (!TryDecode(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), out var payloadBytes))
        {
            return (null, TokenFailure.Malformed);
        }

        try
        {
            var payload = JsonDocument.Parse(payloadBytes, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            if (payload.RootElement.ValueKind != JsonValueKind.Object)
            {
                payload.Dispose();
                return (null, TokenFailure.Malformed);
            }

            return (payload, TokenFailure.None);
        }
        catch (JsonException)
        {
            return (null, TokenFailure.Malformed);
        }
    }

    private static (string? Kid, TokenFailure Failure) ReadHeader(byte[] headerBytes)
    {
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
