using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// Verifies a Forge Invocation Token: compact JWS, RS256 only, key chosen by <c>kid</c> from the JWKS,
/// issuer, audience = our app id, exp (required) and nbf with bounded skew. Header-supplied key material
/// (<c>jku</c>, <c>jwk</c>, <c>x5u</c>, <c>x5c</c>) and <c>crit</c> are refused, never fetched.
/// </summary>
public sealed class ForgeTokenValidator(IJwksSource keys, IOptions<ForgeOptions> options, TimeProvider time)
{
    private const int MaxHeaderBytes = 1024;
    private static readonly string[] ForbiddenHeaders = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];

    public async ValueTask<(TenantContext? Tenant, TokenFailure Failure)> ValidateAsync(string? token, CancellationToken ct)
    {
        var opts = options.Value;
        if (string.IsNullOrEmpty(token))
        {
            return (null, TokenFailure.Missing);
        }

        if (token.Length > opts.MaxTokenLength)
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

        string kid;
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

            if (!root.TryGetProperty("kid", out var kidElement) || kidElement.ValueKind != JsonValueKind.String || kidElement.GetString() is not { Length: > 0 and <= 256 } k)
            {
                return (null, TokenFailure.UnknownKey);
            }

            kid = k;
        }
        catch (JsonException)
        {
            return (null, TokenFailure.Malformed);
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

        var signedBytes = Encoding.ASCII.GetBytes(token, 0, secondDot);
        if (!key.VerifyData(signedBytes, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return (null, TokenFailure.Signature);
        }

        if (!TryDecode(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), out var payloadBytes))
        {
            return (null, TokenFailure.Malformed);
        }

        try
        {
            using var payload = JsonDocument.Parse(payloadBytes, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            return ForgeClaims.Check(payload.RootElement, opts, time.GetUtcNow());
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
