using System.Security.Cryptography;

namespace BluBees.Engine.Crypto;

/// <summary>Wraps tenant data keys with AES-256-GCM under the local key ring; AAD names the tenant.</summary>
public sealed class LocalKeyEncryptionProvider(LocalKeyRing ring) : IKeyEncryptionProvider
{
    public string CurrentKeyId => ring.CurrentKeyId;

    public Task<GeneratedDataKey> GenerateDataKeyAsync(string tenantId, CancellationToken ct)
    {
        var plaintext = RandomNumberGenerator.GetBytes(Aead.KeySize);
        var keyId = ring.CurrentKeyId;
        var kek = ring.GetKey(keyId);
        try
        {
            return Task.FromResult(new GeneratedDataKey(plaintext, new WrappedDataKey(keyId, Aead.Seal(kek, plaintext, Aad(tenantId)))));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public Task<byte[]> DecryptDataKeyAsync(string tenantId, WrappedDataKey wrapped, CancellationToken ct)
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

    public async Task<WrappedDataKey> ReWrapAsync(string tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var plaintext = await DecryptDataKeyAsync(tenantId, wrapped, ct);
        var keyId = ring.CurrentKeyId;
        var kek = ring.GetKey(keyId);
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

    private static string Aad(string tenantId) => "blubees/dek/v1|" + tenantId;
}
