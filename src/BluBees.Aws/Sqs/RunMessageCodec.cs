using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Runs;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The queue message format. The whole <see cref="RunMessage"/> (tenant context, payload, Forge system token…)
/// is serialized, compressed (GZip: Jira events are verbose JSON) and sealed with AES-256-GCM under the tenant's
/// data key; the associated data binds the ciphertext to its purpose, the tenant and the record id
/// <c>queue/run</c>. Only the tenant id travels in clear: it is metadata, and the worker needs it to pick the key.
/// <c>{"v":2,"tenant":"&lt;id&gt;","ct":"&lt;base64 nonce|ciphertext|tag&gt;"}</c>.
/// Version 1 (<see cref="SecretCipher"/> over uncompressed JSON) is still read, for messages queued before v2.
/// </summary>
public sealed class RunMessageCodec(TenantKeyService keys, SecretCipher cipher)
{
    public const string RecordId = "queue/run";

    /// <summary>Largest decompressed message read back (a sealed message is ours, but a bound costs nothing).</summary>
    public const int MaxPlaintextBytes = 16 * 1024 * 1024;

    private const int Version1 = 1;
    private const int Version2 = 2;

    public async Task<string> EncodeAsync(RunMessage message, CancellationToken ct)
    {
        var tenantId = message.Tenant.TenantId;
        var key = await keys.GetOrCreateAsync(tenantId, ct);
        var compressed = Compress(JsonSerializer.SerializeToUtf8Bytes(message, JsonDefaults.Options));
        try
        {
            var sealedBytes = Aead.Seal(key, compressed, Aad(tenantId));
            return JsonSerializer.Serialize(new Envelope(Version2, tenantId, Convert.ToBase64String(sealedBytes)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(compressed);
        }
    }

    /// <summary>The tenant named in clear by a message body, or null when the body is not an envelope.</summary>
    public static string? TenantOf(string body) => Read(body)?.Tenant;

    /// <summary>
    /// Decrypts a message body. Throws <see cref="CryptographicException"/> when it was not made for the tenant
    /// it names, was tampered with, or the tenant's key is gone; <see cref="FormatException"/> when unreadable.
    /// </summary>
    public async Task<RunMessage> DecodeAsync(string body, CancellationToken ct)
    {
        var envelope = Read(body) ?? throw new FormatException("The message is not a BluBees run envelope.");
        var message = envelope.V == Version1
            ? JsonSerializer.Deserialize<RunMessage>(await cipher.DecryptAsync(envelope.Tenant, RecordId, envelope.Ct, ct), JsonDefaults.Options)
            : await OpenAsync(envelope, ct);
        if (message is null)
        {
            throw new FormatException("The run message is empty.");
        }

        if (!string.Equals(message.Tenant.TenantId, envelope.Tenant, StringComparison.Ordinal))
        {
            throw new CryptographicException("The run message names another tenant than its envelope.");
        }

        return message;
    }

    private async Task<RunMessage?> OpenAsync(Envelope envelope, CancellationToken ct)
    {
        var key = await keys.GetExistingAsync(envelope.Tenant, ct) ?? throw new CryptographicException("The tenant has no data key.");
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(envelope.Ct);
        }
        catch (FormatException)
        {
            throw new CryptographicException("Malformed run message ciphertext.");
        }

        var compressed = Aead.Open(key, sealedBytes, Aad(envelope.Tenant));
        var plaintext = Decompress(compressed);
        try
        {
            return JsonSerializer.Deserialize<RunMessage>(plaintext, JsonDefaults.Options);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(compressed);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static string Aad(string tenantId) => "blubees/queue/v2|" + tenantId + "|" + RecordId;

    private static byte[] Compress(byte[] plaintext)
    {
        try
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(plaintext);
            }

            return output.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] Decompress(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            if (output.Length + read > MaxPlaintextBytes)
            {
                throw new FormatException("The run message is larger than a run message can be.");
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static Envelope? Read(string body)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(body);
            return envelope is { V: Version1 or Version2, Tenant.Length: > 0, Ct.Length: > 0 } ? envelope : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Envelope(
        [property: JsonPropertyName("v")] int V,
        [property: JsonPropertyName("tenant")] string Tenant,
        [property: JsonPropertyName("ct")] string Ct);
}
