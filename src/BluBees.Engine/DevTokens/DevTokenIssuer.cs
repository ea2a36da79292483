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

    /// <summary>
    /// Loads the key file of <paramref name="dataDirectory"/>, or creates it. The new key is written whole to a file of
    /// its own and renamed into place, so a process killed meanwhile leaves no key file or a whole one. Before, the key
    /// file was created empty and the key generated and written afterwards: a <c>kill -9</c> within that time (the
    /// first start's RSA key generation, hundreds of milliseconds) left an empty file, and every later start of the
    /// backend (and every CLI command that signs) threw on it. An empty file — what that left — holds no key and is
    /// replaced.
    /// </summary>
    public static DevTokenIssuer LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), KeyFileName);
        var rsa = RSA.Create();
        if (Stored(path) is { } pem)
        {
            rsa.ImportFromPem(pem);
        }
        else
        {
            rsa.KeySize = 2048;
            if (Create(path, rsa.ExportPkcs8PrivateKeyPem()) is { } other)
            {
                rsa.ImportFromPem(other); // another process (the CLI beside a starting backend) created it first
            }
        }

        RemoveLeftovers(path);
        var kid = "dev-" + Convert.ToHexStringLower(SHA256.HashData(rsa.ExportRSAPublicKey()).AsSpan(0, 8));
        return new DevTokenIssuer(rsa, kid);
    }

    /// <summary>
    /// Deletes the files a write killed before its rename left (a copy of a key nothing uses). Run once the key file is
    /// whole: a process still creating one beside this one then finds its own file gone and loads the key file instead.
    /// </summary>
    private static void RemoveLeftovers(string path)
    {
        foreach (var leftover in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*.tmp"))
        {
            File.Delete(leftover);
        }
    }

    /// <summary>The key file's text; null when there is none, or only the empty file a killed first start left.</summary>
    private static string? Stored(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Length == 0 ? null : text;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="pem"/> to a new file (0600), on disk, then renames it to <paramref name="path"/>; returns
    /// null, or the key another process put there first (the rename does not replace a key file that holds a key).
    /// </summary>
    private static string? Create(string path, string pem)
    {
        var directory = Path.GetDirectoryName(path)!;
        OwnerOnlyFile.CreateDirectory(directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = OwnerOnlyFile.Create(temporary))
            {
                stream.Write(Encoding.UTF8.GetBytes(pem));
                stream.Flush(flushToDisk: true);
            }

            try
            {
                // Replaces only an empty file (a killed first start's); a whole key file is never overwritten.
                File.Move(temporary, path, overwrite: File.Exists(path) && Stored(path) is null);
            }
            catch (IOException) when (Stored(path) is { } other) // it exists, or our file was removed as a leftover
            {
                return other;
            }

            DirectorySync.Flush(directory);
            return null;
        }
        finally
        {
            File.Delete(temporary); // gone after the rename; left only when another process won
        }
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
