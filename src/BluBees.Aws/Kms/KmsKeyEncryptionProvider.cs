using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Kms;

/// <summary>
/// Wraps tenant data keys with AWS KMS. Every call carries the encryption context <c>{"tenant": id}</c>: KMS
/// binds it into the ciphertext (and CloudTrail records it), so a wrapped key copied to another tenant fails
/// to decrypt, and the key policy can require it. Decrypt names the key id, so KMS refuses a ciphertext made
/// under any other key. Rotation re-wraps server-side with ReEncrypt: the plaintext data key never leaves KMS.
/// Unwrapped keys are cached by <see cref="TenantKeyService"/>, so KMS is called once per tenant per cache TTL
/// per instance.
/// <para>The KMS key serves every tenant and the main table has point-in-time recovery (35 days), so a KMS blob stored
/// there alone would open again from a restored copy after the tenant's uninstall. The blob is therefore sealed
/// (AES-256-GCM, AAD naming the tenant) under the tenant's share in the key table (<see cref="KeyShareTable"/>, no
/// PITR), which the uninstall deletes: the stored form is <c>"bbks1" | nonce | sealed blob | tag</c>. A blob stored
/// by an earlier release (no share) still opens, and is sealed the new way the first time a backend loads it
/// (<see cref="SealUnderShareAsync"/>) or by the next <c>keys rotate</c>. Each stored
/// secret gets a share of its own in the key table as well (<see cref="SecretCipher"/>).</para>
/// </summary>
internal sealed class KmsKeyEncryptionProvider(Lazy<IAmazonKeyManagementService> client, string currentKeyId, KeyShareTable shares) : IKeyEncryptionProvider, IDisposable
{
    public const string ContextKey = "tenant";

    // The stored form of a blob sealed under the tenant's share. A KMS ciphertext blob starts with a version byte (1).
    private static readonly byte[] Sealed = "bbks1"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public string CurrentKeyId => currentKeyId;

    private IAmazonKeyManagementService Client => client.Value;

    public async Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct)
    {
        var share = await shares.GetOrCreateTenantShareAsync(tenantId, ct);
        try
        {
            var response = await Client.GenerateDataKeyAsync(new GenerateDataKeyRequest
            {
                KeyId = currentKeyId,
                KeySpec = DataKeySpec.AES_256,
                EncryptionContext = Context(tenantId),
            }, ct);
            var plaintext = Drain(response.Plaintext);
            return new GeneratedDataKey(plaintext, new WrappedDataKey(response.KeyId, Seal(share, tenantId, Drain(response.CiphertextBlob))));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(share);
        }
    }

    public async Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var blob = await BlobOfAsync(tenantId, wrapped, ct);
        try
        {
            var response = await Client.DecryptAsync(new DecryptRequest
            {
                KeyId = wrapped.KeyId,
                CiphertextBlob = new MemoryStream(blob, writable: false),
                EncryptionContext = Context(tenantId),
            }, ct);
            return Drain(response.Plaintext);
        }
        catch (Exception ex) when (IsWrongCiphertext(ex))
        {
            throw Refused(ex);
        }
    }

    /// <summary>
    /// Re-wraps under the current key (ReEncrypt: the data key never leaves KMS) and seals the new blob under the
    /// tenant's share, creating the share for a key an earlier release stored without one (its migration).
    /// </summary>
    public async Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var blob = await BlobOfAsync(tenantId, wrapped, ct);
        ReEncryptResponse response;
        try
        {
            response = await Client.ReEncryptAsync(new ReEncryptRequest
            {
                CiphertextBlob = new MemoryStream(blob, writable: false),
                SourceKeyId = wrapped.KeyId,
                SourceEncryptionContext = Context(tenantId),
                DestinationKeyId = currentKeyId,
                DestinationEncryptionContext = Context(tenantId),
            }, ct);
        }
        catch (Exception ex) when (IsWrongCiphertext(ex))
        {
            throw Refused(ex);
        }

        var share = await shares.GetOrCreateTenantShareAsync(tenantId, ct);
        try
        {
            return new WrappedDataKey(response.KeyId, Seal(share, tenantId, Drain(response.CiphertextBlob)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(share);
        }
    }

    public bool OpensWithoutShare(TenantId tenantId, WrappedDataKey wrapped) => !wrapped.Ciphertext.AsSpan().StartsWith(Sealed);

    /// <summary>An earlier release's KMS blob sealed under the tenant's share as it is: no KMS call (ReEncrypt is the operator's).</summary>
    public async Task<WrappedDataKey> SealUnderShareAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        if (!OpensWithoutShare(tenantId, wrapped))
        {
            return wrapped;
        }

        var share = await shares.GetOrCreateTenantShareAsync(tenantId, ct);
        try
        {
            return new WrappedDataKey(wrapped.KeyId, Seal(share, tenantId, wrapped.Ciphertext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(share);
        }
    }

    /// <summary>Deletes the tenant's items of the key table: its data key no longer opens from any copy of the main table.</summary>
    public Task ForgetTenantAsync(TenantId tenantId, CancellationToken ct) => shares.DeleteTenantAsync(tenantId, ct);

    public async Task<SecretShare?> CreateSecretShareAsync(TenantId tenantId, CancellationToken ct) => await shares.CreateSecretShareAsync(tenantId, ct);

    public ValueTask<byte[]?> FindSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => shares.FindSecretShareAsync(tenantId, shareId, ct);

    public Task DeleteSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => shares.DeleteSecretShareAsync(tenantId, shareId, ct);

    public Task<IReadOnlyList<(string Id, DateTimeOffset WrittenAt)>> ListSecretSharesAsync(TenantId tenantId, CancellationToken ct) => shares.ListSecretSharesAsync(tenantId, ct);

    /// <summary>The KMS blob of a stored data key: opened with the tenant's share, or as stored by an earlier release.</summary>
    private async Task<byte[]> BlobOfAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        if (!wrapped.Ciphertext.AsSpan().StartsWith(Sealed))
        {
            return wrapped.Ciphertext; // an earlier release's: the KMS blob alone
        }

        var share = await shares.FindTenantShareAsync(tenantId, ct) ?? throw TenantKeyShareMissingException.InKeyTable(shares.Name);
        try
        {
            var sealedLength = wrapped.Ciphertext.Length - Sealed.Length - NonceSize - TagSize;
            if (sealedLength <= 0)
            {
                throw new CryptographicException("Malformed stored data key.");
            }

            var blob = new byte[sealedLength];
            using var aes = new AesGcm(share, TagSize);
            aes.Decrypt(
                wrapped.Ciphertext.AsSpan(Sealed.Length, NonceSize),
                wrapped.Ciphertext.AsSpan(Sealed.Length + NonceSize, sealedLength),
                wrapped.Ciphertext.AsSpan(wrapped.Ciphertext.Length - TagSize),
                blob,
                Aad(tenantId));
            return blob;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(share);
        }
    }

    private static byte[] Seal(byte[] share, TenantId tenantId, byte[] blob)
    {
        var sealedBlob = new byte[Sealed.Length + NonceSize + blob.Length + TagSize];
        Sealed.CopyTo(sealedBlob, 0);
        var nonce = sealedBlob.AsSpan(Sealed.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(share, TagSize);
        aes.Encrypt(nonce, blob, sealedBlob.AsSpan(Sealed.Length + NonceSize, blob.Length), sealedBlob.AsSpan(sealedBlob.Length - TagSize), Aad(tenantId));
        return sealedBlob;
    }

    private static byte[] Aad(TenantId tenantId) => System.Text.Encoding.UTF8.GetBytes("blubees/kms-dek/v2|" + tenantId.Value);

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }

        shares.Dispose();
    }

    private static Dictionary<string, string> Context(TenantId tenantId) => new(StringComparer.Ordinal) { [ContextKey] = tenantId.Value };

    // InvalidCiphertext: tampered, or another tenant's context. IncorrectKey: made under another key.
    private static bool IsWrongCiphertext(Exception ex) => ex is InvalidCiphertextException or IncorrectKeyException;

    // Same contract as the local provider: a ciphertext that does not belong fails as a CryptographicException.
    private static CryptographicException Refused(Exception inner)
        => new("KMS refused to decrypt the tenant data key (wrong tenant, wrong key or tampered ciphertext).", inner);

    private static byte[] Drain(MemoryStream? stream)
    {
        if (stream is null)
        {
            throw new CryptographicException("KMS returned no key material.");
        }

        var bytes = stream.ToArray();
        if (stream.TryGetBuffer(out var buffer))
        {
            // Do not leave a plaintext copy behind in the SDK's buffer.
            CryptographicOperations.ZeroMemory(buffer.AsSpan());
        }

        return bytes;
    }
}
