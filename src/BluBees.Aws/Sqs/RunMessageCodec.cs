using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Runs;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The queue message format. The whole <see cref="RunMessage"/> (tenant context, payload, Forge system token…)
/// is encrypted with <see cref="SecretCipher"/> under the tenant's data key, record id <c>queue/run</c>.
/// Only the tenant id travels in clear: it is metadata, and the worker needs it to pick the key.
/// <c>{"v":1,"tenant":"&lt;id&gt;","ct":"&lt;ciphertext&gt;"}</c>
/// </summary>
public sealed class RunMessageCodec(SecretCipher cipher)
{
    public const string RecordId = "queue/run";
    private const int Version = 1;

    public async Task<string> EncodeAsync(RunMessage message, CancellationToken ct)
    {
        var tenantId = message.Tenant.TenantId;
        var plaintext = JsonSerializer.Serialize(message, JsonDefaults.Options);
        var ciphertext = await cipher.EncryptAsync(tenantId, RecordId, plaintext, ct);
        return JsonSerializer.Serialize(new Envelope(Version, tenantId, ciphertext));
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
        var plaintext = await cipher.DecryptAsync(envelope.Tenant, RecordId, envelope.Ct, ct);
        var message = JsonSerializer.Deserialize<RunMessage>(plaintext, JsonDefaults.Options)
            ?? throw new FormatException("The run message is empty.");
        if (!string.Equals(message.Tenant.TenantId, envelope.Tenant, StringComparison.Ordinal))
        {
            throw new CryptographicException("The run message names another tenant than its envelope.");
        }

        return message;
    }

    private static Envelope? Read(string body)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(body);
            return envelope is { V: Version, Tenant.Length: > 0, Ct.Length: > 0 } ? envelope : null;
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
