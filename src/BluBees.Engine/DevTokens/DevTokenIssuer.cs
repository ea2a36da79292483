using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Storage;

namespace BluBees.Engine.DevTokens;

/// <summary>
/// The development token issuer: an RSA key kept in the data directory (0600) that signs Forge Invocation
/// Tokens shaped like Atlassian's. The backend trusts it only in development mode; the CLI and the local UI
/// bridge mint tokens with it.
/// </summary>
public sealed class DevTokenIssuer : IDisposable
{
    public const string KeyFileName = "dev-issuer.pem";
    private readonly RSA _rsa;

    private DevTokenIssuer(RSA rsa, string keyId)
    {
        _rsa = rsa;
        KeyId = keyId;
    }

    public string KeyId { get; }

    public RSA PublicKey
    {
        get
        {
            var rsa = RSA.Create();
            rsa.ImportParameters(_rsa.ExportParameters(false));
            return rsa;
        }
    }

    public static DevTokenIssuer LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), KeyFileName);
        var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            rsa.KeySize = 2048;
            OwnerOnlyFile.CreateDirectory(Path.GetDirectoryName(path)!);
            using var stream = OwnerOnlyFile.Create(path);
            using var writer = new StreamWriter(stream);
            writer.Write(rsa.ExportPkcs8PrivateKeyPem());
        }

        var kid = "dev-" + Convert.ToHexStringLower(SHA256.HashData(rsa.ExportRSAPublicKey()).AsSpan(0, 8));
        return new DevTokenIssuer(rsa, kid);
    }

    /// <summary>The public key as a JWKS document.</summary>
    public string JwksJson() => new JsonObject
    {
        ["keys"] = new JsonArray(new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = KeyId,
            ["n"] = Base64Url.EncodeToString(_rsa.ExportParameters(false).Modulus),
            ["e"] = Base64Url.EncodeToString(_rsa.ExportParameters(false).Exponent),
        }),
    }.ToJsonString();

    /// <summary>Mints a token with Forge's claim shape.</summary>
    public string Mint(DevTokenRequest request, DateTimeOffset now)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        var payload = DevTokenClaims.Build(request, now);
        return Sign(_rsa, header, payload);
    }

    /// <summary>Signs any header/payload with RS256 (tests use it to craft hostile tokens).</summary>
    public static string Sign(RSA key, JsonObject header, JsonObject payload)
    {
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()))
            + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString(JsonSerializerOptions.Default)));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public void Dispose() => _rsa.Dispose();
}
