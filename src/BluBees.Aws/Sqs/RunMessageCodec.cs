using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The queue message format. The whole <see cref="RunMessage"/> (tenant context, payload, Forge system token…)
/// is sealed with AES-256-GCM under the tenant's data key, its payload GZip-compressed first (Jira events are
/// verbose JSON; see <see cref="Pack"/> for why only the payload); the associated data binds the ciphertext to its purpose, the tenant and the record id
/// <c>queue/run</c>. Only the tenant id travels in clear: it is metadata, and the worker needs it to pick the key.
/// <c>{"v":2,"tenant":"&lt;id&gt;","ct":"&lt;base64 nonce|ciphertext|tag&gt;"}</c>.
/// Version 1 (<see cref="SecretCipher"/> over uncompressed JSON) is still read, for messages queued before v2.
/// </summary>
public sealed class RunMessageCodec(TenantKeyService keys, SecretCipher cipher)
{
    public const string RecordId = "queue/run";

    /// <summary>Largest decompressed message read back (a sealed message is ours, but a bound costs nothing).</summary>
    public const int MaxPlaintextBytes = 16 * 1024 * 1024;

    // The default encoder writes every '+' of the base64 as "\u002B": 6 bytes for 1, and a size that varies with
    // the ciphertext. The envelope is never embedded in HTML, so the relaxed encoder is safe here.
    private static readonly JsonSerializerOptions EnvelopeJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const int Version1 = 1;
    private const int Version2 = 2;

    public async Task<string> EncodeAsync(RunMessage message, CancellationToken ct)
    {
        var tenantId = message.Tenant.TenantId;
        var key = await keys.GetOrCreateAsync(message.Tenant.Id, ct);
        var plaintext = Pack(message);
        try
        {
            var sealedBytes = Aead.Seal(key, plaintext, Aad(tenantId));
            return JsonSerializer.Serialize(new Envelope(Version2, tenantId, Convert.ToBase64String(sealedBytes)), EnvelopeJson);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The tenant named in clear by a message body, or null when the body is not an envelope.</summary>
    public static TenantId? TenantOf(string body) => Read(body)?.Owner;

    /// <summary>
    /// Decrypts a message body. Throws <see cref="CryptographicException"/> when it was not made for the tenant
    /// it names, was tampered with, or the tenant's key is gone; <see cref="FormatException"/> when unreadable or when it
    /// lacks its tenant or payload.
    /// </summary>
    public async Task<RunMessage> DecodeAsync(string body, CancellationToken ct)
    {
        var envelope = Read(body) ?? throw new FormatException("The message is not a BluBees run envelope.");
        // A message without its tenant or payload is unreadable (FormatException), not one that throws later
        // wherever they are read, its exhausted record included (RunMessageShape).
        var message = RunMessageShape.Complete(envelope.V == Version1
            ? JsonSerializer.Deserialize<RunMessage>(await cipher.DecryptAsync(envelope.Owner, RecordId, envelope.Ct, ct), JsonDefaults.Tolerant)
            : await OpenAsync(envelope, ct));
        if (!string.Equals(message.Tenant.TenantId, envelope.Tenant, StringComparison.Ordinal))
        {
            throw new CryptographicException("The run message names another tenant than its envelope.");
        }

        return message;
    }

    private async Task<RunMessage?> OpenAsync(Envelope envelope, CancellationToken ct)
    {
        var key = await keys.GetExistingAsync(envelope.Owner, ct) ?? throw new CryptographicException("The tenant has no data key.");
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(envelope.Ct);
        }
        catch (FormatException)
        {
            throw new CryptographicException("Malformed run message ciphertext.");
        }

        var plaintext = Aead.Open(key, sealedBytes, Aad(envelope.Tenant));
        try
        {
            return Unpack(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// <c>[int32 big-endian n][n bytes: the message as JSON, payload empty][GZip of the payload]</c>. Only the
    /// payload is compressed: the Forge system token and the tenant context stay outside the compressed stream,
    /// so the ciphertext's length never depends on how well attacker-influenced issue fields compress together
    /// with the token (no CRIME-style length oracle on the token).
    /// </summary>
    private static byte[] Pack(RunMessage message)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(message with { Payload = string.Empty }, JsonDefaults.Options);
        var payload = Compress(System.Text.Encoding.UTF8.GetBytes(message.Payload));
        try
        {
            var packed = new byte[4 + header.Length + payload.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(packed, header.Length);
            header.CopyTo(packed, 4);
            payload.CopyTo(packed, 4 + header.Length);
            return packed;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(header);
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    private static RunMessage? Unpack(byte[] packed)
    {
        var headerLength = packed.Length >= 4 ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(packed) : -1;
        if (headerLength < 0 || headerLength > packed.Length - 4)
        {
            throw new FormatException("The run message is malformed.");
        }

        var message = JsonSerializer.Deserialize<RunMessage>(packed.AsSpan(4, headerLength), JsonDefaults.Tolerant);
        var payload = Decompress(packed[(4 + headerLength)..]);
        try
        {
            return message is null ? null : message with { Payload = System.Text.Encoding.UTF8.GetString(payload) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
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
        [property: JsonPropertyName("ct")] string Ct)
    {
        /// <summary>The tenant the envelope names (non-empty: <see cref="Read"/> refuses others), as its partition owner.
        /// Not serialized: the envelope on the wire stays <c>{v, tenant, ct}</c>.</summary>
        [JsonIgnore]
        public TenantId Owner => new(Tenant);
    }
}
