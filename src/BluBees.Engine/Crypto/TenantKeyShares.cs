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
/// </summary>
internal sealed class TenantKeyShares(string directory)
{
    public const int Size = 32;

    public const string DirectoryName = "tenant-keys";

    /// <summary>The directory of the shares of the ring at <paramref name="ringPath"/>: <c>tenant-keys</c> in the ring's directory.</summary>
    public static string DirectoryFor(string ringPath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ringPath))!, DirectoryName);

    /// <summary>The tenant's share, or null when it has none (never created, or deleted by its uninstall).</summary>
    public byte[]? Find(TenantId tenantId)
    {
        try
        {
            var share = File.ReadAllBytes(PathOf(tenantId));
            return share.Length == Size ? share : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The tenant's share, created when it has none; two creators at once end with the same one.</summary>
    public byte[] GetOrCreate(TenantId tenantId)
    {
        if (Find(tenantId) is { } existing)
        {
            return existing;
        }

        OwnerOnlyFile.CreateDirectory(directory);
        var path = PathOf(tenantId);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var share = RandomNumberGenerator.GetBytes(Size);
        try
        {
            using (var file = OwnerOnlyFile.Create(temporary))
            {
                file.Write(share);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false); // whole or not at all; never replaces a share in use
            return share;
        }
        catch (IOException) when (File.Exists(path))
        {
            return Find(tenantId) ?? throw new CryptographicException("The tenant's key share is unreadable.");
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Deletes the tenant's share: what the ring's keys wrapped for it no longer opens.</summary>
    public void Delete(TenantId tenantId)
    {
        try
        {
            File.Delete(PathOf(tenantId));
        }
        catch (DirectoryNotFoundException)
        {
            // No share was ever written here (a data key an earlier version wrapped, or none at all).
        }
    }

    private string PathOf(TenantId tenantId)
        => Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId.Value))));
}
