using BluBees.Engine.Storage;

namespace BluBees.Engine.Crypto;

/// <summary>A tenant data key wrapped by a key-encryption key, with the id of the key that wrapped it.</summary>
public sealed record WrappedDataKey(string KeyId, byte[] Ciphertext);

/// <summary>A fresh AES-256 data key in plaintext (zero it after use) and wrapped.</summary>
public sealed record GeneratedDataKey(byte[] Plaintext, WrappedDataKey Wrapped);

/// <summary>
/// The key-encryption seam: a local key file in the embedded default, AWS KMS in production.
/// Every operation is bound to the tenant (AAD locally, encryption context in KMS), so a wrapped key
/// copied to another tenant does not unwrap.
/// </summary>
public interface IKeyEncryptionProvider
{
    /// <summary>The id of the key-encryption key that new data keys are wrapped under.</summary>
    string CurrentKeyId { get; }

    Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct);

    Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct);

    /// <summary>Re-wraps a data key under <see cref="CurrentKeyId"/> (key rotation).</summary>
    Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct);

    /// <summary>
    /// Whether <paramref name="wrapped"/> opens without the tenant's share: stored by a release before shares, it would
    /// open again from an old copy of the store after the uninstall. <see cref="TenantKeyService"/> then stores it
    /// again through <see cref="SealUnderShareAsync"/> the first time it loads it.
    /// </summary>
    bool OpensWithoutShare(TenantId tenantId, WrappedDataKey wrapped) => false;

    /// <summary>
    /// The same data key in the form that needs the tenant's share (created if missing). By default a re-wrap under
    /// <see cref="CurrentKeyId"/>; KMS seals the stored blob without a KMS call (the functions may not ReEncrypt).
    /// </summary>
    Task<WrappedDataKey> SealUnderShareAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => ReWrapAsync(tenantId, wrapped, ct);

    /// <summary>
    /// Called by the uninstall's erase, before the wrapped data key is deleted: a provider that holds key material of
    /// the tenant's own outside the store (the local ring's tenant share) deletes it, so that no old copy of the store
    /// opens the tenant's data key with what remains; on KMS, the tenant's items of the key table).
    /// </summary>
    Task ForgetTenantAsync(TenantId tenantId, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// A new random share for one secret of the tenant, kept outside the store until <see cref="DeleteSecretShareAsync"/>
    /// (the local ring's <c>tenant-keys/</c>; on KMS the key table, which has no point-in-time recovery); null when the
    /// provider keeps none. <see cref="SecretCipher"/> seals each stored secret under a key derived from the data key and
    /// its share, so that deleting the share makes every old copy of that secret's ciphertext unopenable while the
    /// tenant stays installed.
    /// </summary>
    Task<SecretShare?> CreateSecretShareAsync(TenantId tenantId, CancellationToken ct) => Task.FromResult<SecretShare?>(null);

    /// <summary>The share <see cref="CreateSecretShareAsync"/> made, or null when it was deleted (or never existed).</summary>
    ValueTask<byte[]?> FindSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => ValueTask.FromResult<byte[]?>(null);

    /// <summary>Deletes one secret's share, durably.</summary>
    Task DeleteSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The tenant's secret shares and when each was written (the sweep of those no stored secret names).</summary>
    Task<IReadOnlyList<(string Id, DateTimeOffset WrittenAt)>> ListSecretSharesAsync(TenantId tenantId, CancellationToken ct)
        => Task.FromResult<IReadOnlyList<(string Id, DateTimeOffset WrittenAt)>>([]);
}

/// <summary>A share of one stored secret: its id (carried by the ciphertext) and its bytes (zero them after use).</summary>
public sealed record SecretShare(string Id, byte[] Bytes);
