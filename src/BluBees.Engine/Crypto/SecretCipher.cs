using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Encrypts secrets (connection credentials, queue messages) under the tenant's data key with AES-256-GCM.
/// AAD = purpose + tenant + record id, so a ciphertext copied to another tenant or record does not open.
/// A secret that does not decrypt is logged at error level (tenant, record id, a closed reason; never the
/// ciphertext or the exception text) and counted (<see cref="BluBeesMetrics.DecryptFailure"/>).
/// </summary>
public sealed partial class SecretCipher(TenantKeyService keys, ILogger<SecretCipher>? logger = null, BluBeesMetrics? metrics = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<SecretCipher>.Instance;

    private const string Prefix = "v1.";

    public async Task<string> EncryptAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => Seal(await keys.GetOrCreateAsync(tenantId, ct), tenantId, recordId, plaintext);

    /// <summary>
    /// Encrypts under the tenant's existing data key; null when it has none (uninstalled: crypto-shredded). For writes
    /// made by work that can outlive an uninstall (a run in flight), which must never create a data key again.
    /// </summary>
    public async Task<string?> EncryptIfKeyExistsAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => await keys.GetExistingAsync(tenantId, ct) is { } key ? Seal(key, tenantId, recordId, plaintext) : null;

    private static string Seal(byte[] key, TenantId tenantId, string recordId, string plaintext)
    {
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return Prefix + Convert.ToBase64String(Aead.Seal(key, bytes, Aad(tenantId, recordId)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// Decrypts a secret. Throws <see cref="CryptographicException"/> when the ciphertext belongs to another
    /// tenant or record, was tampered with, or its tenant's data key no longer exists (crypto-shredded).
    /// </summary>
    public async Task<string> DecryptAsync(TenantId tenantId, string recordId, string ciphertext, CancellationToken ct)
    {
        if (!ciphertext.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw Failed(tenantId, recordId, "unknown_format", "Unknown secret format.");
        }

        // An unwrap failure is logged and counted by the key service itself.
        var key = await keys.GetExistingAsync(tenantId, ct) ?? throw Failed(tenantId, recordId, "no_data_key", "The tenant has no data key.");
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(ciphertext[Prefix.Length..]);
        }
        catch (FormatException)
        {
            throw Failed(tenantId, recordId, "malformed", "Malformed secret ciphertext.");
        }

        byte[] plaintext;
        try
        {
            plaintext = Aead.Open(key, sealedBytes, Aad(tenantId, recordId));
        }
        catch (CryptographicException)
        {
            throw Failed(tenantId, recordId, "authentication_failed", "The secret did not authenticate under the tenant's data key.");
        }

        try
        {
            return Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private CryptographicException Failed(TenantId tenantId, string recordId, string reason, string message)
    {
        SecretDecryptFailed(_logger, tenantId.Value, recordId, reason);
        metrics?.DecryptFailure("secret");
        return new CryptographicException(message);
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "A secret of tenant {TenantId} (record {RecordId}) did not decrypt: {Reason}")]
    private static partial void SecretDecryptFailed(ILogger logger, string tenantId, string recordId, string reason);

    private static string Aad(TenantId tenantId, string recordId) => "blubees/secret/v1|" + tenantId.Value + "|" + recordId;
}
