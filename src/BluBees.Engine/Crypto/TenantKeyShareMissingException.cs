using System.Security.Cryptography;

namespace BluBees.Engine.Crypto;

/// <summary>
/// A tenant's data key was wrapped with its key share (<c>tenant-keys/</c> beside the local ring, or on KMS an item of
/// the key table) and the share is missing: the tenant's secrets and queued messages do not open until it is put back.
/// Names the directory or table, never a key.
/// </summary>
public sealed class TenantKeyShareMissingException : CryptographicException
{
    public TenantKeyShareMissingException(string directory)
        : base($"The tenant's key share is missing from '{directory}': put back tenant-keys/ from the copy or backup the database came from.")
    {
    }

    private TenantKeyShareMissingException(string message, bool _)
        : base(message)
    {
    }

    /// <summary>On KMS: the tenant's share is not in the key table (deleted by its uninstall, or the table lost).</summary>
    public static TenantKeyShareMissingException InKeyTable(string table)
        => new($"The tenant's key share is missing from the key table '{table}' (deleted by its uninstall, or the table was replaced).", false);
}
