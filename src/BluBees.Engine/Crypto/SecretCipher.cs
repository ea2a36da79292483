using System.Security.Cryptography;
using System.Text;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Encrypts secrets (connection credentials, queue messages) under the tenant's data key with AES-256-GCM.
/// AAD = purpose + tenant + record id, so a ciphertext copied to another tenant or record does not open.
/// </summary>
public sealed class SecretCipher(TenantKeyService keys)
{
    private const string Prefix = "v1.";

    public async Task<string> EncryptAsync(string tenantId, string recordId, string plaintext, CancellationToken ct)
    {
        var key = await keys.GetOrCreateAsync(tenantId, ct);
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
    public async Task<string> DecryptAsync(string tenantId, string recordId, string ciphertext, CancellationToken ct)
    {
        if (!ciphertext.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("Unknown secret format.");
        }

        var key = await keys.GetExistingAsync(tenantId, ct) ?? throw new CryptographicException("The tenant has no data key.");
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(ciphertext[Prefix.Length..]);
        }
        catch (FormatException)
        {
            throw new CryptographicException("Malformed secret ciphertext.");
        }

        var plaintext = Aead.Open(key, sealedBytes, Aad(tenantId, recordId));
        try
        {
            return Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static string Aad(string tenantId, string recordId) => "blubees/secret/v1|" + tenantId + "|" + recordId;
}
