using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Wraps tenant data keys with AES-256-GCM under the local key ring; AAD names the tenant. Every wrap re-reads
/// the ring file first (<see cref="LocalKeyRing.GetCurrentKey"/>), so a rotation by another process is honoured.
/// <para>The wrapping key is derived (HKDF-SHA256) from the ring's key and the tenant's own random share
/// (<see cref="TenantKeyShares"/>), which the uninstall deletes: the ring's keys serve every tenant and stay, so a
/// data key wrapped under a ring key alone would open again from any old copy of the database with the ring that
/// remains. Data keys wrapped before (AAD <c>v1</c>, the ring key itself) still open, and are wrapped the new way by
/// the next <c>keys rotate</c>.</para>
/// </summary>
/// <param name="ring">The local key ring.</param>
/// <param name="time">The backend's clock, for the write times of secret shares (<see cref="TenantKeyShares"/>); the system clock when not given.</param>
internal sealed class LocalKeyEncryptionProvider(LocalKeyRing ring, TimeProvider? time = null) : IKeyEncryptionProvider
{
    private readonly TenantKeyShares _shares = new(TenantKeyShares.DirectoryFor(ring.FilePath), time);

    public string CurrentKeyId => ring.CurrentKeyId;

    public Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct)
    {
        var plaintext = RandomNumberGenerator.GetBytes(Aead.KeySize);
        return Task.FromResult(new GeneratedDataKey(plaintext, Wrap(tenantId, plaintext)));
    }

    public Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var kek = ring.GetKey(wrapped.KeyId);
        try
        {
            if (_shares.Find(tenantId) is { } share)
            {
                var key = Derive(kek, share, tenantId);
                try
                {
                    return Task.FromResult(Aead.Open(key, wrapped.Ciphertext, Aad(tenantId)));
                }
                catch (CryptographicException)
                {
                    // Wrapped before tenant shares existed (v1): tried below.
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                    CryptographicOperations.ZeroMemory(share);
                }
            }

            try
            {
                return Task.FromResult(Aead.Open(kek, wrapped.Ciphertext, LegacyAad(tenantId)));
            }
            catch (CryptographicException) when (!_shares.Exists(tenantId))
            {
                // Wrapped with a share (v2) and the share file is gone: say so (TenantKeyService logs it as event 3106).
                throw new TenantKeyShareMissingException(_shares.Directory);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public async Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        var plaintext = await DecryptDataKeyAsync(tenantId, wrapped, ct);
        try
        {
            return Wrap(tenantId, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public Task ForgetTenantAsync(TenantId tenantId, CancellationToken ct)
    {
        _shares.Delete(tenantId);
        return Task.CompletedTask;
    }

    public bool OpensWithoutShare(TenantId tenantId, WrappedDataKey wrapped) => !NeedsShare(tenantId, wrapped);

    /// <summary>
    /// Whether the data key needs the tenant's share: it does not open under the ring's key alone (it was not wrapped by a
    /// version before tenant shares). False for a key the ring does not hold (that tenant's fault is the ring's, not the shares').
    /// </summary>
    public bool NeedsShare(TenantId tenantId, WrappedDataKey wrapped)
    {
        byte[] kek;
        try
        {
            kek = ring.GetKey(wrapped.KeyId);
        }
        catch (KeyRingUnavailableException)
        {
            return false;
        }

        try
        {
            CryptographicOperations.ZeroMemory(Aead.Open(kek, wrapped.Ciphertext, LegacyAad(tenantId)));
            return false;
        }
        catch (CryptographicException)
        {
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>The directory of the tenants' shares (<c>tenant-keys/</c> beside the ring).</summary>
    public string SharesDirectory => _shares.Directory;

    public Task<SecretShare?> CreateSecretShareAsync(TenantId tenantId, CancellationToken ct)
    {
        var (id, share) = Writing(() => _shares.CreateSecretShare(tenantId));
        return Task.FromResult<SecretShare?>(new SecretShare(id, share));
    }

    /// <summary>
    /// A share written to <c>tenant-keys/</c>: a file system that refuses (the volume full, read-only, the directory's
    /// permissions) makes the keys unavailable for the moment (503 with Retry-After, nothing stored), as an unreadable
    /// ring does; before, a full disk made an admin's save of a secret a 500. Never the path in the answer.
    /// </summary>
    private static T Writing<T>(Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingUnavailableException("A key share could not be written to tenant-keys/ (" + ex.GetType().Name + "); nothing was stored.");
        }
    }

    public ValueTask<byte[]?> FindSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => ValueTask.FromResult(_shares.FindSecretShare(tenantId, shareId));

    public Task DeleteSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct)
    {
        _shares.DeleteSecretShare(tenantId, shareId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string Id, DateTimeOffset WrittenAt)>> ListSecretSharesAsync(TenantId tenantId, CancellationToken ct) => Task.FromResult(_shares.ListSecretShares(tenantId));

    private WrappedDataKey Wrap(TenantId tenantId, byte[] plaintext)
    {
        var share = Writing(() => _shares.GetOrCreate(tenantId));
        var (keyId, kek) = ring.GetCurrentKey();
        var key = Derive(kek, share, tenantId);
        try
        {
            return new WrappedDataKey(keyId, Aead.Seal(key, plaintext, Aad(tenantId)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(share);
        }
    }

    private static byte[] Derive(byte[] kek, byte[] share, TenantId tenantId)
        => HKDF.DeriveKey(HashAlgorithmName.SHA256, kek, Aead.KeySize, salt: share, info: Encoding.UTF8.GetBytes(Aad(tenantId)));

    private static string Aad(TenantId tenantId) => "blubees/dek/v2|" + tenantId.Value;

    private static string LegacyAad(TenantId tenantId) => "blubees/dek/v1|" + tenantId.Value;
}
