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

    public async Task<string> EncryptAsync(TenantId tenantId, string recordId, string plaintext, CancellationToken ct)
        => Seal(await keys.GetOrCreateAsync(tenantId, ct), tenantId, recordId, plaintext);

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

    /// <summary>
    /// Seals <paramref name="plaintext"/> and writes it as text, with the plaintext's bytes and the sealed bytes in
    /// buffers rented from the shared pool (the plaintext's zeroed before it goes back) and only the text allocated: a
    /// queued event is sealed and opened once each, so the copies this saved (the bytes, the sealed array, the base64
    /// without its prefix) were a tenth of the event path's allocations (docs/benchmarks.md, "Allocations").
    /// </summary>
    private static string Seal(byte[] key, TenantId tenantId, string recordId, string plaintext)
    {
        var pool = ArrayPool<byte>.Shared;
        var length = Encoding.UTF8.GetByteCount(plaintext);
        var bytes = pool.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(plaintext, bytes);
            return Seal(key, tenantId, recordId, bytes.AsSpan(0, length));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes.AsSpan(0, length));
            pool.Return(bytes);
        }
    }

    private static string Seal(byte[] key, TenantId tenantId, string recordId, ReadOnlySpan<byte> plaintext)
    {
        var pool = ArrayPool<byte>.Shared;
        var sealedLength = Aead.SealedLength(plaintext.Length);
        var sealedBytes = pool.Rent(sealedLength);
        try
        {
            Aead.SealInto(key, plaintext, Aad(tenantId, recordId), sealedBytes.AsSpan(0, sealedLength));
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
        if (!ciphertext.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw Failed(tenantId, recordId, "unknown_format", "Unknown secret format.");
        }

        // An unwrap failure is logged and counted by the key service itself.
        var key = await keys.GetExistingAsync(tenantId, ct) ?? throw Failed(tenantId, recordId, "no_data_key", "The tenant has no data key.");
        var pool = ArrayPool<byte>.Shared;
        var encoded = ciphertext.AsSpan(Prefix.Length);
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
                Aead.OpenInto(key, sealedBytes.AsSpan(0, sealedLength), Aad(tenantId, recordId), plaintext.AsSpan(0, plaintextLength));
            }
            catch (CryptographicException)
            {
                throw Failed(tenantId, recordId, "authentication_failed", "The secret did not authenticate under the tenant's data key.");
            }

            return read(plaintext.AsSpan(0, plaintextLength));
        }
        finally
        {
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

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "A secret of tenant {TenantId} (record {RecordId}) did not decrypt: {Reason}")]
    private static partial void SecretDecryptFailed(ILogger logger, string tenantId, string recordId, string reason);

    private static string Aad(TenantId tenantId, string recordId) => "blubees/secret/v1|" + tenantId.Value + "|" + recordId;
}
