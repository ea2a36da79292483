using System.Security.Cryptography;

namespace BluBees.Engine.Crypto;

/// <summary>
/// A tenant's data key was wrapped with its key share (<c>tenant-keys/</c> beside the local ring) and the share file is
/// missing: the tenant's secrets and queued messages do not open until it is put back. Names the directory, never a key.
/// </summary>
public sealed class TenantKeyShareMissingException(string directory)
    : CryptographicException($"The tenant's key share is missing from '{directory}': put back tenant-keys/ from the copy or backup the database came from.");
