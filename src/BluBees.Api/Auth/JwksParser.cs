using System.Security.Cryptography;
using System.Text.Json;
using System.Buffers.Text;

namespace BluBees.Api.Auth;

/// <summary>Reads RSA signing keys from a JWKS document; keys for other algorithms or uses are ignored.</summary>
internal static class JwksParser
{
    public static IReadOnlyDictionary<string, RSA> Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            // [], null, a string: not a JWKS at all (TryGetProperty would throw InvalidOperationException, a 500 on
            // every request). A failed fetch: the cache keeps the keys it has.
            throw new JsonException("The JWKS is not a JSON object.");
        }

        var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
        if (!root.TryGetProperty("keys", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return keys;
        }

        foreach (var jwk in array.EnumerateArray().Take(50))
        {
            if (jwk.ValueKind != JsonValueKind.Object
                || Str(jwk, "kty") != "RSA"
                || Str(jwk, "kid") is not { Length: > 0 } kid
                || Str(jwk, "use") is { } use && use != "sig"
                || Str(jwk, "alg") is { } alg && alg != "RS256"
                || Str(jwk, "n") is not { } n
                || Str(jwk, "e") is not { } e)
            {
                continue;
            }

            if (Import(n, e) is { } rsa)
            {
                keys[kid] = rsa;
            }
        }

        return keys;
    }

    /// <summary>
    /// The key, or null when it cannot be one of ours: under 2048 bits, or unreadable (a modulus or exponent that is not
    /// base64url, an exponent RSA refuses: FormatException, CryptographicException, and IndexOutOfRangeException for an
    /// empty exponent). One odd key is skipped; the document's other keys stay usable.
    /// </summary>
    private static RSA? Import(string n, string e)
    {
        RSA? rsa = null;
        try
        {
            var modulus = Base64Url.DecodeFromChars(n);
            if (modulus.Length < 256)
            {
                return null; // under 2048 bits
            }

            rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = Base64Url.DecodeFromChars(e) });
            return rsa;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            rsa?.Dispose();
            return null;
        }
    }

    private static string? Str(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
