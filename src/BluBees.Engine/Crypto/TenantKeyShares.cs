using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Crypto;

/// <summary>
/// One random 32-byte share per tenant, in a directory beside the local key ring (<c>tenant-keys/</c>, 0700; each
/// file 0600, named by the SHA-256 of the tenant id). A tenant's data key is wrapped under a key derived from the ring's
/// key and the tenant's share (<see cref="LocalKeyEncryptionProvider"/>), and the uninstall deletes the share. The
/// key-encryption keys are shared by every tenant and stay in the ring, so without the share an old copy of the
/// database (a file-level backup, a snapshot, a copy an attacker took) would still open the uninstalled tenant's data
/// key, and with it every secret and queued message of the tenant, with the ring that remains.
/// <para>Each stored secret of the tenant (a connection's secret or client secret, a rotated refresh token, a webhook's
/// signing secret) has a share of its own as well, in <c>tenant-keys/&lt;SHA-256 of the tenant id&gt;.secrets/</c>, named
/// by a random id the ciphertext carries (<see cref="SecretCipher"/>): deleting or replacing the secret deletes its
/// share, so an old copy of the database no longer opens it while the tenant, its data key and its share stay.</para>
/// <para>Every create, rename and delete is followed by a flush of the directory (<see cref="DirectorySync"/>): a
/// power loss must neither lose a share just written nor bring back one deleted.</para>
/// </summary>
internal sealed class TenantKeyShares(string directory)
{
    public const int Size = 32;

    public const string DirectoryName = "tenant-keys";

    private const string SecretsSuffix = ".secrets";

    private readonly SecretShareCache _secretShares = new();

    /// <summary>The directory of the shares of the ring at <paramref name="ringPath"/>: <c>tenant-keys</c> in the ring's directory.</summary>
    public static string DirectoryFor(string ringPath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ringPath))!, DirectoryName);

    public string Directory => directory;

    /// <summary>The tenant's share, or null when it has none (never created, or deleted by its uninstall).</summary>
    public byte[]? Find(TenantId tenantId) => Read(PathOf(tenantId));

    /// <summary>Whether the tenant's share file is there (whatever its content).</summary>
    public bool Exists(TenantId tenantId) => File.Exists(PathOf(tenantId));

    /// <summary>The tenant's share, created when it has none; two creators at once end with the same one.</summary>
    public byte[] GetOrCreate(TenantId tenantId)
    {
        if (Find(tenantId) is { } existing)
        {
            return existing;
        }

        EnsureDirectory(directory);
        var path = PathOf(tenantId);
        var share = RandomNumberGenerator.GetBytes(Size);
        if (TryWriteNew(path, share))
        {
            return share;
        }

        CryptographicOperations.ZeroMemory(share);
        return Find(tenantId) ?? throw new CryptographicException("The tenant's key share is unreadable.");
    }

    /// <summary>Deletes the tenant's share and its secrets' shares: what the ring's keys wrapped for it no longer opens.</summary>
    public void Delete(TenantId tenantId)
    {
        _secretShares.ForgetTenant(tenantId.Value);
        var secrets = SecretsDirectoryOf(tenantId);
        for (var attempt = 1; System.IO.Directory.Exists(secrets); attempt++)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(secrets))
            {
                File.Delete(file);
            }

            DirectorySync.Flush(secrets);
            try
            {
                System.IO.Directory.Delete(secrets);
            }
            catch (IOException) when (attempt < 100 && System.IO.Directory.Exists(secrets))
            {
                // Not empty: a share written since the listing (a run in flight sealing a rotated refresh token before
                // the data key is deleted). Deleted on the next pass; before, the uninstall failed here, its own share,
                // data key and items left.
            }
        }

        var path = PathOf(tenantId);
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        if (System.IO.Directory.Exists(directory))
        {
            DirectorySync.Flush(directory); // the deletes are durable: a power loss does not bring a share back
        }
    }

    /// <summary>A new share for one secret of the tenant, written and flushed (its directory entry too) before it is returned.</summary>
    public (string Id, byte[] Share) CreateSecretShare(TenantId tenantId)
    {
        EnsureDirectory(directory);
        var secrets = SecretsDirectoryOf(tenantId);
        EnsureDirectory(secrets);
        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var share = RandomNumberGenerator.GetBytes(Size);
            if (TryWriteNew(Path.Combine(secrets, id), share))
            {
                return (id, share);
            }

            CryptographicOperations.ZeroMemory(share);
        }
    }

    /// <summary>The share of one secret, or null when it is gone (the secret deleted or replaced) or the id is not one of ours.</summary>
    public byte[]? FindSecretShare(TenantId tenantId, string id)
    {
        if (!IsShareId(id))
        {
            return null;
        }

        if (_secretShares.Find(tenantId.Value, id) is { } cached)
        {
            return cached;
        }

        var generation = _secretShares.Generation;
        var share = Read(Path.Combine(SecretsDirectoryOf(tenantId), id));
        if (share is not null)
        {
            _secretShares.Add(tenantId.Value, id, share, generation);
        }

        return share;
    }

    /// <summary>The secret shares read so far (for tests).</summary>
    internal SecretShareCache SecretShares => _secretShares;

    /// <summary>Deletes one secret's share (flushed): the ciphertext that names it no longer opens anywhere.</summary>
    public void DeleteSecretShare(TenantId tenantId, string id)
    {
        if (!IsShareId(id))
        {
            return;
        }

        _secretShares.Forget(tenantId.Value, id);
        var secrets = SecretsDirectoryOf(tenantId);
        var path = Path.Combine(secrets, id);
        if (File.Exists(path))
        {
            File.Delete(path);
            DirectorySync.Flush(secrets);
        }
    }

    /// <summary>The ids of the tenant's secret shares, with the time each was written.</summary>
    public IReadOnlyList<(string Id, DateTimeOffset WrittenAt)> ListSecretShares(TenantId tenantId)
    {
        var secrets = SecretsDirectoryOf(tenantId);
        if (!System.IO.Directory.Exists(secrets))
        {
            return [];
        }

        return [.. new DirectoryInfo(secrets).EnumerateFiles().Where(f => IsShareId(f.Name)).Select(f => (f.Name, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))];
    }

    public static bool IsShareId(string id) => id.Length == 32 && id.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    private static byte[]? Read(string path)
    {
        try
        {
            var share = File.ReadAllBytes(path);
            return share.Length == Size ? share : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="share"/> at <paramref name="path"/> whole or not at all (a flushed temporary file renamed
    /// into place, then the directory flushed). False when a file is already there (never replaced: it may be in use).
    /// </summary>
    private static bool TryWriteNew(string path, byte[] share)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = OwnerOnlyFile.Create(temporary))
            {
                file.Write(share);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }

        DirectorySync.Flush(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>Creates the directory (0700) when missing, and flushes its parent so that the new entry survives a power loss.</summary>
    private static void EnsureDirectory(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            return;
        }

        OwnerOnlyFile.CreateDirectory(path);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private string PathOf(TenantId tenantId) => Path.Combine(directory, HashOf(tenantId));

    private string SecretsDirectoryOf(TenantId tenantId) => Path.Combine(directory, HashOf(tenantId) + SecretsSuffix);

    private static string HashOf(TenantId tenantId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId.Value)));
}
