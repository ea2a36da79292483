using System.Security.Cryptography;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Wraps tenant data keys with AES-256-GCM under the local key ring; AAD names the tenant. Every wrap re-reads
/// the ring file first (<see cref="LocalKeyRing.GetCurrentKey"/>), so a rotation by another process is honoured.
/// </summary>
internal sealed class LocalKeyEncryptionProvider(LocalKeyRing ring) : IKeyEncryptionProvider
{
    public string CurrentKeyId => ring.CurrentKeyId;

    public Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct)
    {
        var plaintext = RandomNumberGenerator.GetBytes(Aead.KeySize);
        var (keyId, kek) = ring.GetCurrentKey();
        try
        {
            return Task.FromResult(new GeneratedDataKey(plaintext, new WrappedDataKey(keyId, Aead.Seal(kek, plaintext, Aad(tenantId)))));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var kek = ring.GetKey(wrapped.KeyId);
        try
        {
            return Task.FromResult(Aead.Open(kek, wrapped.Ciphertext, Aad(tenantId)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public async Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var plaintext = await DecryptDataKeyAsync(tenantId, wrapped, ct);
        var (keyId, kek) = ring.GetCurrentKey();
        try
        {
            return new WrappedDataKey(keyId, Aead.Seal(kek, plaintext, Aad(tenantId)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static string Aad(TenantId tenantId) => "blubees/dek/v1|" + tenantId.Value;
}
