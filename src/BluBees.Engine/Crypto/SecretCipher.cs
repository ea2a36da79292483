using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Encrypts secrets (connection credentials, queue messages) under the tenant's data key with AES-256-GCM.
/// AAD = purpose + tenant + record id, so a ciphertext copied to another tenant or record does not open.
/// A secret that does not decrypt is logged at error level (tenant, record id, a closed reason; never the
/// ciphertext or the exception text) and counted (<see cref="BluBeesMetrics.DecryptFailure"/>).
/// </summary>
public sealed partial class SecretCipher(TenantKeyService keys, ILogger<SecretCipher>? logger = null, BluBeesMetrics? metrics = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<SecretCipher>.Instance;

    private const string Prefix = "v1.";

    // A stored secret with a share of its own: "v2.<share id>.<base64>" (docs/security.md, "Deleting or replacing a secret").
    private const string SharedPrefix = "v2.";

    /// <summary>
    /// Encrypts under the tenant's data key alone (<c>v1</c>). For what is deleted with its use (a queued message); a
    /// secret the admin stores, deletes or replaces goes through <see cref="SealSecretAsync"/>.
    /// </summary>
    public async Task<string> EncryptAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => Seal(await keys.GetOrCreateAsync(tenantId, ct), tenantId, recordId, plaintext);

    /// <summary>
    /// Encrypts a stored secret (a connection's secret or client secret, a webhook's signing secret, a rotated refresh
    /// token). Where the key provider keeps shares (the local key ring), the secret gets a share of its own and is
    /// sealed under a key derived from the tenant's data key and that share (<c>v2.&lt;share id&gt;.</c>): once the
    /// secret is deleted or replaced, <see cref="ForgetAsync"/> deletes the share and no old copy of the database opens
    /// it, while the tenant (its data key, its share) stays. A caller whose write of the ciphertext did not happen
    /// forgets it too. On KMS the share is an item of the key table (no point-in-time recovery), likewise.
    /// </summary>
    public async Task<string> SealSecretAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => await SealStoredAsync(await keys.GetOrCreateAsync(tenantId, ct), tenantId, recordId, plaintext, ct);

    /// <summary>
    /// <see cref="EncryptAsync(TenantId, string, string, CancellationToken)"/> of text already in UTF-8 (a queued message
    /// serialized straight to bytes, which the caller zeroes): no string of it is made.
    /// </summary>
    public async Task<string> EncryptUtf8Async(TenantId tenantId, string recordId, ReadOnlyMemory<byte> plaintextUtf8, CancellationToken ct)
        => Seal(await keys.GetOrCreateAsync(tenantId, ct), tenantId, recordId, plaintextUtf8.Span);

    /// <summary>
    /// Encrypts under the tenant's existing data key; null when it has none (uninstalled: crypto-shredded). For writes
    /// made by work that can outlive an uninstall (a run in flight), which must never create a data key again.
    /// </summary>
    public async Task<string?> EncryptIfKeyExistsAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => await keys.GetExistingAsync(tenantId, ct) is { } key ? Seal(key, tenantId, recordId, plaintext) : null;

    /// <summary><see cref="SealSecretAsync"/> under the tenant's existing data key; null when it has none (as <see cref="EncryptIfKeyExistsAsync"/>).</summary>
    public async Task<string?> SealSecretIfKeyExistsAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => await keys.GetExistingAsync(tenantId, ct) is { } key ? await SealStoredAsync(key, tenantId, recordId, plaintext, ct) : null;

    /// <summary>
    /// After a committed write removed these ciphertexts (a secret deleted or replaced, a connection or webhook deleted),
    /// or a write of them did not happen: deletes their shares, so that no copy of them (an old copy of the database,
    /// a backup of the file, a snapshot) opens again; then deletes the tenant's shares no stored secret names any
    /// more (<see cref="TenantKeyService.SweepSecretSharesAsync"/>: one a crash left between a write and this call).
    /// A ciphertext without a share (<c>v1</c>: sealed by an earlier build) is left to the data key.
    /// </summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="removed">Ciphertexts, or whole stored items (their data) that were deleted: every share they name.</param>
    /// <param name="ct">Cancels the sweep only; the named shares are deleted first.</param>
    public async Task ForgetAsync(TenantId tenantId, IEnumerable<string?> removed, CancellationToken ct)
    {
        foreach (var text in removed)
        {
            foreach (var shareId in ShareIdsIn(text))
            {
                await keys.Provider.DeleteSecretShareAsync(tenantId, shareId, CancellationToken.None);
            }
        }

        await keys.SweepSecretSharesAsync(tenantId, ct);
    }

    /// <summary>The share ids named in a ciphertext or in a stored item's data (which may hold several).</summary>
    internal static IEnumerable<string> ShareIdsIn(string? text)
        => text is null ? [] : SharedCiphertext().Matches(text).Select(m => m.Groups[1].Value);

    [System.Text.RegularExpressions.GeneratedRegex(@"v2\.([0-9a-f]{32})\.")]
    private static partial System.Text.RegularExpressions.Regex SharedCiphertext();

    /// <summary>The share id a <c>v2</c> ciphertext names, or null.</summary>
    internal static string? ShareIdOf(string? ciphertext)
    {
        if (ciphertext is null || !ciphertext.StartsWith(SharedPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = ciphertext.IndexOf('.', SharedPrefix.Length);
        var id = end < 0 ? null : ciphertext[SharedPrefix.Length..end];
        return id is not null && TenantKeyShares.IsShareId(id) ? id : null;
    }

    private async Task<string> SealStoredAsync(byte[] dataKey, TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
    {
        if (await keys.Provider.CreateSecretShareAsync(tenantId, ct) is not { } share)
        {
            return Seal(dataKey, tenantId, recordId, plaintext);
        }

        var key = DeriveSecretKey(dataKey, share.Bytes, SharedAad(tenantId, recordId, share.Id));
        try
        {
            return SharedPrefix + share.Id + "." + Seal(key, SharedAad(tenantId, recordId, share.Id), plaintext)[Prefix.Length..];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(share.Bytes);
        }
    }

    private static byte[] DeriveSecretKey(byte[] dataKey, byte[] share, string aad)
        => HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, Aead.KeySize, salt: share, info: Encoding.UTF8.GetBytes(aad));

    private static string SharedAad(TenantId tenantId, string recordId, string shareId) => "blubees/secret/v2|" + tenantId.Value + "|" + recordId + "|" + shareId;

    /// <summary>
    /// Seals <paramref name="plaintext"/> and writes it as text, with the plaintext's bytes and the sealed bytes in
    /// buffers rented from the shared pool (the plaintext's zeroed before it goes back) and only the text allocated: a
    /// queued event is sealed and opened once each, so the copies this saved (the bytes, the sealed array, the base64
    /// without its prefix) were a tenth of the event path's allocations (docs/benchmarks.md, "Allocations").
    /// </summary>
    private static string Seal(byte[] key, TenantId tenantId, string recordId, string plaintext)
        => Seal(key, Aad(tenantId, recordId), plaintext);

    private static string Seal(byte[] key, string aad, string plaintext)
    {
        var pool = ArrayPool<byte>.Shared;
        var length = Encoding.UTF8.GetByteCount(plaintext);
        var bytes = pool.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(plaintext, bytes);
            return Seal(key, aad, bytes.AsSpan(0, length));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes.AsSpan(0, length));
            pool.Return(bytes);
        }
    }

    private static string Seal(byte[] key, TenantId tenantId, string recordId, ReadOnlySpan<byte> plaintext)
        => Seal(key, Aad(tenantId, recordId), plaintext);

    private static string Seal(byte[] key, string aad, ReadOnlySpan<byte> plaintext)
    {
        var pool = ArrayPool<byte>.Shared;
        var sealedLength = Aead.SealedLength(plaintext.Length);
        var sealedBytes = pool.Rent(sealedLength);
        try
        {
            Aead.SealInto(key, plaintext, aad, sealedBytes.AsSpan(0, sealedLength));
            return string.Create(Prefix.Length + ((sealedLength + 2) / 3 * 4), (sealedBytes, sealedLength), static (text, state) =>
            {
                Prefix.CopyTo(text);
                Convert.TryToBase64Chars(state.sealedBytes.AsSpan(0, state.sealedLength), text[Prefix.Length..], out _);
            });
        }
        finally
        {
            pool.Return(sealedBytes); // ciphertext only
        }
    }

    /// <summary>
    /// Decrypts a secret. Throws <see cref="CryptographicException"/> when the ciphertext belongs to another
    /// tenant or record, was tampered with, or its tenant's data key no longer exists (crypto-shredded).
    /// </summary>
    public Task<string> DecryptAsync(TenantId tenantId, string recordId, string ciphertext, CancellationToken ct)
        => DecryptAsync(tenantId, recordId, ciphertext, static utf8 => Encoding.UTF8.GetString(utf8), ct);

    /// <summary>
    /// Decrypts as above and hands the plaintext's UTF-8 to <paramref name="read"/> (a queued message deserialized
    /// straight from it; no string of it is made). The plaintext's buffer is zeroed when <paramref name="read"/> returns
    /// or throws, so it must not keep the span.
    /// </summary>
    public async Task<T> DecryptAsync<T>(TenantId tenantId, string recordId, string ciphertext, Utf8Reader<T> read, CancellationToken ct)
    {
        var shareId = ShareIdOf(ciphertext);
        if (shareId is null && !ciphertext.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw Failed(tenantId, recordId, "unknown_format", "Unknown secret format.");
        }

        // An unwrap failure is logged and counted by the key service itself.
        var dataKey = await keys.GetExistingAsync(tenantId, ct) ?? throw Shredded(recordId);
        var key = dataKey;
        var aad = Aad(tenantId, recordId);
        var encoded = ciphertext.AsSpan(Prefix.Length);
        if (shareId is not null)
        {
            var share = await keys.Provider.FindSecretShareAsync(tenantId, shareId, ct);
            if (share is null)
            {
                // The tenant's uninstall deleted every share after the data key was read; otherwise the secret was
                // deleted or replaced (read just before by a request or run racing that), or the share file is lost.
                throw await keys.GetExistingAsync(tenantId, ct) is null
                    ? Shredded(recordId)
                    : Failed(tenantId, recordId, "no_secret_share", "The secret's key share no longer exists.");
            }

            aad = SharedAad(tenantId, recordId, shareId);
            key = DeriveSecretKey(dataKey, share, aad);
            CryptographicOperations.ZeroMemory(share);
            encoded = ciphertext.AsSpan(SharedPrefix.Length + shareId.Length + 1);
        }

        var pool = ArrayPool<byte>.Shared;
        var sealedBytes = pool.Rent((encoded.Length / 4 * 3) + 3);
        byte[]? plaintext = null;
        var plaintextLength = 0;
        try
        {
            if (!Convert.TryFromBase64Chars(encoded, sealedBytes, out var sealedLength))
            {
                throw Failed(tenantId, recordId, "malformed", "Malformed secret ciphertext.");
            }

            plaintextLength = Math.Max(0, Aead.PlaintextLength(sealedLength));
            plaintext = pool.Rent(plaintextLength);
            try
            {
                Aead.OpenInto(key, sealedBytes.AsSpan(0, sealedLength), aad, plaintext.AsSpan(0, plaintextLength));
            }
            catch (CryptographicException)
            {
                throw Failed(tenantId, recordId, "authentication_failed", "The secret did not authenticate under the tenant's data key.");
            }

            return read(plaintext.AsSpan(0, plaintextLength));
        }
        finally
        {
            if (!ReferenceEquals(key, dataKey))
            {
                CryptographicOperations.ZeroMemory(key); // the derived key; the data key is the cache's
            }

            pool.Return(sealedBytes); // ciphertext only
            if (plaintext is not null)
            {
                CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, plaintextLength));
                pool.Return(plaintext);
            }
        }
    }

    /// <summary>Reads a value from a decrypted plaintext's UTF-8 (which is zeroed afterwards: do not keep the span).</summary>
    public delegate T Utf8Reader<out T>(ReadOnlySpan<byte> utf8);

    private CryptographicException Failed(TenantId tenantId, string recordId, string reason, string message)
    {
        SecretDecryptFailed(_logger, tenantId.Value, recordId, reason);
        metrics?.DecryptFailure("secret");
        return new CryptographicException(message);
    }

    /// <summary>
    /// The tenant has no data key any more: it was uninstalled (crypto-shredded), and a run still queued or in flight
    /// read one of its ciphertexts. Not a failure (nothing is lost that the tenant did not ask to lose), so neither the
    /// error event 3103 nor the decrypt-failure counter, and the line names no tenant: an uninstalled tenant's id is not
    /// written again after its erase (<c>UninstallRacingQueuedRunsTests</c>).
    /// </summary>
    private CryptographicException Shredded(string recordId)
    {
        SecretOfShreddedTenant(_logger, recordId);
        return new CryptographicException("The tenant has no data key.");
    }

    [LoggerMessage(EventId = 3108, Level = LogLevel.Debug, Message = "A ciphertext (record {RecordId}) was read after its tenant's data key was shredded (uninstalled); it does not open")]
    private static partial void SecretOfShreddedTenant(ILogger logger, string recordId);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "A secret of tenant {TenantId} (record {RecordId}) did not decrypt: {Reason}")]
    private static partial void SecretDecryptFailed(ILogger logger, string tenantId, string recordId, string reason);

    private static string Aad(TenantId tenantId, string recordId) => "blubees/secret/v1|" + tenantId.Value + "|" + recordId;
}
