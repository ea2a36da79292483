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
/// <para>A share is overwritten with zeros on disk (flushed) before its file is unlinked (<see cref="Shred"/>): unlinking
/// alone leaves its bytes in the file's blocks for whatever still reaches them (another hard link to the file, such as a
/// hard-link snapshot of the data directory; an open handle; the disk's free space), and with an old copy of the
/// database and the ring that stays, the share opens what its delete was to shred. A file of zeros a crash left between
/// the overwrite and the unlink is no share (<see cref="Read"/>).</para>
/// </summary>
/// <param name="directory">The directory of the shares (<see cref="DirectoryFor"/>).</param>
/// <param name="time">
/// The backend's clock: a secret's share file carries its write time on it (<see cref="ListSecretShares"/>), as the
/// sweep's grace is measured on it (<see cref="TenantKeyService.SecretShareGrace"/>). The file system's own time is the
/// machine's clock: with the two apart, a share written a moment ago counted as old, and a sweep beside the write of the
/// secret it belongs to deleted it (the secret never opened again). The system clock when not given.
/// </param>
internal sealed class TenantKeyShares(string directory, TimeProvider? time = null)
{
    public const int Size = 32;

    public const string DirectoryName = "tenant-keys";

    private const string SecretsSuffix = ".secrets";

    /// <summary>The end of a secrets directory's name once <see cref="Delete"/> moved it aside to empty it.</summary>
    private const string DeletingSuffix = ".deleting";

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
        if (IsShredded(path))
        {
            File.Delete(path); // a crash left the deleted share's zeros: an install under the same id gets a new share
        }

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
        while (System.IO.Directory.Exists(secrets))
        {
            // Moved aside (one rename) before it is emptied: a share written meanwhile (a run in flight sealing a rotated
            // refresh token before the data key is deleted) lands in a new directory, moved aside by the next pass,
            // never in one being emptied, so the emptying ends however long each share's shredding takes. (Emptied in
            // place, a share written since the listing kept the directory from going, pass after pass.)
            try
            {
                System.IO.Directory.Move(secrets, secrets + "." + Guid.NewGuid().ToString("N") + DeletingSuffix);
            }
            catch (DirectoryNotFoundException)
            {
                // Moved aside by another delete of the tenant meanwhile.
            }
        }

        DeleteMovedAside(tenantId); // also one a crash left between the move and the end of its emptying
        Shred(PathOf(tenantId));
        if (System.IO.Directory.Exists(directory))
        {
            DirectorySync.Flush(directory); // the deletes are durable: a power loss does not bring a share back
        }
    }

    /// <summary>Empties (share by share, <see cref="Shred"/>) and deletes the tenant's secrets directories moved aside by <see cref="Delete"/>.</summary>
    private void DeleteMovedAside(TenantId tenantId)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return;
        }

        foreach (var moved in System.IO.Directory.EnumerateDirectories(directory, HashOf(tenantId) + SecretsSuffix + ".*" + DeletingSuffix))
        {
            try
            {
                foreach (var file in System.IO.Directory.EnumerateFiles(moved))
                {
                    Shred(file);
                }

                DirectorySync.Flush(moved);
                System.IO.Directory.Delete(moved);
            }
            catch (DirectoryNotFoundException)
            {
                // Emptied and deleted by another delete of the tenant meanwhile.
            }
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
            if (TryWriteNew(Path.Combine(secrets, id), share, (time ?? TimeProvider.System).GetUtcNow()))
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
        if (Shred(Path.Combine(secrets, id)))
        {
            DirectorySync.Flush(secrets);
        }
    }

    /// <summary>The ids of the tenant's secret shares, with the time each was written (on the backend's clock, see the class's <c>time</c>).</summary>
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

    /// <summary>The share in the file, or null when there is none: no file, a file of another size, or a shredded one (zeros).</summary>
    private static byte[]? Read(string path)
    {
        try
        {
            var share = File.ReadAllBytes(path);
            return share.Length == Size && share.AsSpan().ContainsAnyExcept((byte)0) ? share : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Overwrites the file with zeros, flushed to disk, then unlinks it; false when there was no file. The overwrite goes
    /// to the file's own blocks, so every other name or open handle of it reads zeros from then on.
    /// </summary>
    private static bool Shred(string path)
    {
        using (var file = ReplacedFile.Open(path))
        {
            if (file is null)
            {
                return false; // no share, or deleted meanwhile (another delete of the same share)
            }

            ReplacedFile.Shred(file);
        }

        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its directory went meanwhile (another delete of the tenant): the zeros went with it.
        }

        return true;
    }

    /// <summary>Whether the file is a share's zeros that a crash left between <see cref="Shred"/>'s overwrite and its unlink.</summary>
    private static bool IsShredded(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            return bytes.Length == Size && !bytes.AsSpan().ContainsAnyExcept((byte)0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="share"/> at <paramref name="path"/> whole or not at all (a flushed temporary file renamed
    /// into place, then the directory flushed). False when a file is already there (never replaced: it may be in use).
    /// </summary>
    /// <param name="writtenAt">When given, the file's write time (set before it appears under its name).</param>
    private static bool TryWriteNew(string path, byte[] share, DateTimeOffset? writtenAt = null)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = OwnerOnlyFile.Create(temporary))
            {
                file.Write(share);
                file.Flush(flushToDisk: true);
            }

            if (writtenAt is { } at)
            {
                File.SetLastWriteTimeUtc(temporary, at.UtcDateTime);
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
