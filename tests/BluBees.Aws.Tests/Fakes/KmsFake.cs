using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace BluBees.Aws.Tests.Fakes;

/// <summary>
/// A stand-in for AWS KMS on loopback (JSON 1.1, <c>TrentService.*</c>) that really encrypts: each key id has
/// a 256-bit master key; ciphertext blobs are <c>keyArn | nonce | AES-GCM(ciphertext, tag)</c> with the
/// canonical encryption context as associated data, so a wrong context fails like in KMS
/// (InvalidCiphertextException), Decrypt with another KeyId fails (IncorrectKeyException), and a disabled key
/// refuses to work (DisabledException). Driven by the real AmazonKeyManagementServiceClient.
/// </summary>
public sealed class KmsFake : IAsyncDisposable
{
    private const string Account = "111122223333";
    private readonly ConcurrentDictionary<string, FakeKey> _keys = new(StringComparer.Ordinal);
    private AwsJsonServer _server = null!;

    public Uri Address => _server.Address;

    public IReadOnlyList<string> Operations => _server.Operations;

    public static async Task<KmsFake> StartAsync()
    {
        var fake = new KmsFake();
        fake._server = await AwsJsonServer.StartAsync("application/x-amz-json-1.1", fake.Handle);
        fake._server.Interceptor = fake.WithholdAsync;
        return fake;
    }

    /// <summary>Creates an enabled key and returns its ARN.</summary>
    public string CreateKey()
    {
        var arn = $"arn:aws:kms:us-east-1:{Account}:key/{Guid.NewGuid()}";
        _keys[arn] = new FakeKey(RandomNumberGenerator.GetBytes(32));
        return arn;
    }

    public void DisableKey(string arn) => _keys[arn].Enabled = false;

    public void EnableKey(string arn) => _keys[arn].Enabled = true;

    /// <summary>
    /// Every call is refused with HTTP 400 ThrottlingException, as KMS throttles above its request quota
    /// (https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html; the SDK retries it, then gives up).
    /// </summary>
    public bool Throttled { get; set; }

    /// <summary>Every call gets no answer at all until the client gives up (a network path that drops requests).</summary>
    public bool Unanswering { get; set; }

    private async Task<bool> WithholdAsync(string operation, Microsoft.AspNetCore.Http.HttpContext context)
    {
        if (!Unanswering)
        {
            return false;
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up, as it should.
        }

        return true;
    }

    private JsonObject Handle(string operation, JsonObject request) => Throttled
        ? throw new AwsFaultException("ThrottlingException", "Rate exceeded")
        : operation switch
    {
        "GenerateDataKey" => GenerateDataKey(request),
        "Encrypt" => Encrypt(request),
        "Decrypt" => Decrypt(request),
        "ReEncrypt" => ReEncrypt(request),
        _ => throw new AwsFaultException("UnsupportedOperationException", $"{operation} is not supported by the fake."),
    };

    private JsonObject GenerateDataKey(JsonObject request)
    {
        if ((string?)request["KeySpec"] is not "AES_256")
        {
            throw new AwsFaultException("ValidationException", "Only KeySpec AES_256 is supported by the fake.");
        }

        var plaintext = RandomNumberGenerator.GetBytes(32);
        var (arn, blob) = Seal((string)request["KeyId"]!, plaintext, request["EncryptionContext"]);
        return new JsonObject { ["KeyId"] = arn, ["Plaintext"] = Convert.ToBase64String(plaintext), ["CiphertextBlob"] = Convert.ToBase64String(blob) };
    }

    private JsonObject Encrypt(JsonObject request)
    {
        var (arn, blob) = Seal((string)request["KeyId"]!, Convert.FromBase64String((string)request["Plaintext"]!), request["EncryptionContext"]);
        return new JsonObject { ["KeyId"] = arn, ["CiphertextBlob"] = Convert.ToBase64String(blob), ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT" };
    }

    private JsonObject Decrypt(JsonObject request)
    {
        var (arn, plaintext) = Open(Convert.FromBase64String((string)request["CiphertextBlob"]!), (string?)request["KeyId"], request["EncryptionContext"]);
        return new JsonObject { ["KeyId"] = arn, ["Plaintext"] = Convert.ToBase64String(plaintext), ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT" };
    }

    private JsonObject ReEncrypt(JsonObject request)
    {
        var (source, plaintext) = Open(Convert.FromBase64String((string)request["CiphertextBlob"]!), (string?)request["SourceKeyId"], request["SourceEncryptionContext"]);
        var (destination, blob) = Seal((string)request["DestinationKeyId"]!, plaintext, request["DestinationEncryptionContext"]);
        return new JsonObject { ["SourceKeyId"] = source, ["KeyId"] = destination, ["CiphertextBlob"] = Convert.ToBase64String(blob) };
    }

    private (string Arn, byte[] Blob) Seal(string keyId, byte[] plaintext, JsonNode? context)
    {
        var arn = Resolve(keyId);
        var key = Usable(arn);
        var prefix = Encoding.UTF8.GetBytes(arn);
        var blob = new byte[1 + prefix.Length + 12 + plaintext.Length + 16];
        blob[0] = (byte)prefix.Length;
        prefix.CopyTo(blob, 1);
        var nonce = blob.AsSpan(1 + prefix.Length, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Material, 16);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(1 + prefix.Length + 12, plaintext.Length), blob.AsSpan(blob.Length - 16), Aad(context));
        return (arn, blob);
    }

    private (string Arn, byte[] Plaintext) Open(byte[] blob, string? keyId, JsonNode? context)
    {
        if (blob.Length < 1 + 12 + 16 || blob.Length < 1 + blob[0] + 12 + 16)
        {
            throw new AwsFaultException("InvalidCiphertextException", "The ciphertext is invalid.");
        }

        var arn = Encoding.UTF8.GetString(blob, 1, blob[0]);
        if (keyId is not null && Resolve(keyId) != arn)
        {
            throw new AwsFaultException("IncorrectKeyException", "The key ID in the request does not identify the key that encrypted the ciphertext.");
        }

        var key = Usable(arn);
        var offset = 1 + blob[0];
        var plaintext = new byte[blob.Length - offset - 12 - 16];
        try
        {
            using var aes = new AesGcm(key.Material, 16);
            aes.Decrypt(blob.AsSpan(offset, 12), blob.AsSpan(offset + 12, plaintext.Length), blob.AsSpan(blob.Length - 16), plaintext, Aad(context));
        }
        catch (CryptographicException)
        {
            throw new AwsFaultException("InvalidCiphertextException", "The ciphertext or the encryption context is invalid.");
        }

        return (arn, plaintext);
    }

    private string Resolve(string keyId)
    {
        var arn = keyId.StartsWith("arn:", StringComparison.Ordinal) ? keyId : $"arn:aws:kms:us-east-1:{Account}:key/{keyId}";
        return _keys.ContainsKey(arn) ? arn : throw new AwsFaultException("NotFoundException", $"Key '{keyId}' does not exist.");
    }

    private FakeKey Usable(string arn)
        => _keys[arn] is { Enabled: true } key ? key : throw new AwsFaultException("DisabledException", $"{arn} is disabled.");

    // Canonical context: sorted pairs, so that the same context always binds the same bytes.
    private static byte[] Aad(JsonNode? context)
        => Encoding.UTF8.GetBytes(string.Join('\n', (context as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + (string?)p.Value)));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed class FakeKey(byte[] material)
    {
        public byte[] Material { get; } = material;
        public bool Enabled { get; set; } = true;
    }
}
