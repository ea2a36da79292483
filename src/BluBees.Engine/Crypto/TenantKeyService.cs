using System.Text.Json;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using System.Security.Cryptography;
using BluBees.Engine.Observability;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Owns each tenant's data key: created on first need, stored wrapped, unwrapped just in time and kept in a
/// bounded, short-lived memory cache. Deleting the stored key crypto-shreds everything it protected.
/// </summary>
public sealed partial class TenantKeyService : IDisposable
{
    private readonly IStore _store;
    private readonly IKeyEncryptionProvider _provider;
    private readonly TimeProvider _time;
    private readonly KeyOptions _options;
    private readonly MemoryCache _cache;
    private readonly ILogger _logger;
    private readonly BluBeesMetrics? _metrics;
    // Evictions so far, per stripe of tenants (a bounded stand-in for a per-tenant generation): a load during which
    // its tenant's stripe changed does not cache the key it read.
    private const int EvictionStripes = 256;
    private readonly long[] _evictions = new long[EvictionStripes];
    private readonly Lock _evictionLock = new();

    public TenantKeyService(IStore store, IKeyEncryptionProvider provider, TimeProvider time, IOptions<KeyOptions> options, ILogger<TenantKeyService>? logger = null, BluBeesMetrics? metrics = null)
    {
        _logger = logger ?? NullLogger<TenantKeyService>.Instance;
        _metrics = metrics;
        _store = store;
        _provider = provider;
        _time = time;
        _options = options.Value;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.DataKeyCacheSize });
    }

    /// <summary>Returns the tenant's data key, creating and storing it when the tenant has none yet.</summary>
    public async Task<byte[]> GetOrCreateAsync(TenantId tenantId, CancellationToken ct)
    {
        if (Cached(tenantId) is { } cached)
        {
            return cached;
        }

        var evicted = Interlocked.Read(ref Evictions(tenantId));
        var key = await LoadAsync(tenantId, shreddingAsNull: false, ct) ?? await CreateAsync(tenantId, ct);
        Remember(tenantId, key, evicted);
        return key;
    }

    /// <summary>Returns the tenant's data key or null when it was never created or has been shredded.</summary>
    public async Task<byte[]?> GetExistingAsync(TenantId tenantId, CancellationToken ct)
    {
        if (Cached(tenantId) is { } cached)
        {
            return cached;
        }

        var evicted = Interlocked.Read(ref Evictions(tenantId));
        var key = await LoadAsync(tenantId, shreddingAsNull: true, ct);
        if (key is not null)
        {
            Remember(tenantId, key, evicted);
        }

        return key;
    }

    // Expiry is checked against the injected clock (not the cache's own), so tests and operators see the same TTL.
    private byte[]? Cached(TenantId tenantId)
        => _cache.TryGetValue(tenantId, out CachedKey? entry) && entry is not null && _time.GetUtcNow() < entry.ExpiresAt ? entry.Key : null;

    private ref long Evictions(TenantId tenantId) => ref _evictions[(uint)StringComparer.Ordinal.GetHashCode(tenantId.Value) % EvictionStripes];

    /// <summary>
    /// Caches a key loaded while the tenant's eviction count was <paramref name="evictedBefore"/>, unless it changed
    /// since: a load racing an uninstall (the unwrap takes a KMS round trip) read the key before the delete and must
    /// not put the shredded key back after the uninstall's <see cref="Evict"/>. Evictions are rare (uninstall,
    /// rotation), so a load that overlapped one of its stripe only costs the next use another unwrap.
    /// </summary>
    private void Remember(TenantId tenantId, byte[] key, long evictedBefore)
    {
        lock (_evictionLock)
        {
            if (Interlocked.Read(ref Evictions(tenantId)) == evictedBefore)
            {
                _cache.Set(tenantId, new CachedKey(key, _time.GetUtcNow() + _options.DataKeyCacheTtl), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = _options.DataKeyCacheTtl });
            }
        }
    }

    private sealed record CachedKey(byte[] Key, DateTimeOffset ExpiresAt);

    /// <summary>
    /// Forgets the in-memory copy (uninstall, rotation), and keeps a load already in flight from caching the key it
    /// read before (see <see cref="Remember"/>). Only this process's cache: another instance keeps its copy until it
    /// expires (<see cref="KeyOptions.DataKeyCacheTtl"/>; docs/security.md).
    /// </summary>
    public void Evict(TenantId tenantId)
    {
        lock (_evictionLock)
        {
            Interlocked.Increment(ref Evictions(tenantId));
            _cache.Remove(tenantId);
        }
    }

    /// <summary>
    /// Crypto-shreds the tenant's key material outside the store (the local ring's tenant share; nothing on KMS) and
    /// forgets the in-memory copy. The uninstall's erase calls it before it deletes the wrapped data key.
    /// </summary>
    public async Task ShredAsync(TenantId tenantId, CancellationToken ct)
    {
        Evict(tenantId);
        await _provider.ForgetTenantAsync(tenantId, ct);
    }

    /// <summary>The key provider (the secret shares of <see cref="SecretCipher"/>).</summary>
    internal IKeyEncryptionProvider Provider => _provider;

    /// <summary>
    /// How old a secret's share must be before <see cref="SweepSecretSharesAsync"/> deletes it for not being named by
    /// any stored secret: a share is written before the ciphertext that names it, so a younger one may belong to a write
    /// still in flight (in this process or another, the operator's <c>blubees backup restore</c>).
    /// </summary>
    public static readonly TimeSpan SecretShareGrace = TimeSpan.FromMinutes(10);

    // The items that hold the tenant's stored secrets (connections, rotated refresh tokens, webhooks).
    private static readonly string[] SecretPrefixes = [Keys.ConnectionPrefix, Keys.RotatedRefreshTokenPrefix, Keys.WebhookPrefix];

    /// <summary>
    /// Deletes the tenant's secret shares that no stored secret names any more and that are older than
    /// <see cref="SecretShareGrace"/>: one a crash left between a delete or replacement and its share's delete (the
    /// deleted secret would stay openable from an old copy of the database), one written for a write that never
    /// happened (a failed restore, a conflict). Run after every <see cref="SecretCipher.ForgetAsync"/> (the tenant's next
    /// delete or replacement of a secret; there is no sweep at start). Returns the count deleted.
    /// </summary>
    public async Task<int> SweepSecretSharesAsync(TenantId tenantId, CancellationToken ct)
    {
        var cutoff = _time.GetUtcNow() - SecretShareGrace;
        var unnamed = (await _provider.ListSecretSharesAsync(tenantId, ct)).Where(s => s.WrittenAt < cutoff).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        if (unnamed.Count == 0)
        {
            return 0;
        }

        var partition = _store.ForTenant(tenantId);
        foreach (var prefix in SecretPrefixes)
        {
            string? after = null;
            do
            {
                var page = await partition.QueryAsync(new TenantQuery(prefix) { Limit = 100, StartAfter = after }, ct);
                foreach (var item in page.Items)
                {
                    unnamed.ExceptWith(SecretCipher.ShareIdsIn(item.Data));
                }

                after = page.NextCursor;
            }
            while (after is not null);
        }

        foreach (var id in unnamed)
        {
            await _provider.DeleteSecretShareAsync(tenantId, id, CancellationToken.None);
        }

        if (unnamed.Count > 0)
        {
            SecretSharesSwept(_logger, tenantId.Value, unnamed.Count);
        }

        return unnamed.Count;
    }

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Deleted {Count} key shares of tenant {TenantId} that no stored secret names (left by a crash or a write that did not happen)")]
    private static partial void SecretSharesSwept(ILogger logger, string tenantId, int count);

    /// <summary>Re-wraps the tenant's data key under the provider's current key. Returns false when the tenant has no key.</summary>
    public async Task<bool> ReWrapAsync(TenantId tenantId, CancellationToken ct)
    {
        var item = await _store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct);
        if (item is null)
        {
            return false;
        }

        // Read leniently, as ReadStored does: a member a later build added does not stop the rotation.
        var stored = JsonSerializer.Deserialize<StoredDataKey>(item.Data, JsonDefaults.Tolerant)!;
        var rewrapped = await _provider.ReWrapAsync(tenantId, new WrappedDataKey(stored.KeyId, Convert.FromBase64String(stored.Wrapped)), ct);
        var updated = stored with { KeyId = rewrapped.KeyId, Wrapped = Convert.ToBase64String(rewrapped.Ciphertext), RotatedAt = _time.GetUtcNow() };
        // Conditional: an uninstall racing with rotation must not bring the shredded key back.
        var written = await _store.ForTenant(tenantId).PutIfRevisionAsync(item with { Data = Common.StoredJson.WriteKeepingUnknown(item.Data, updated) }, item.Revision, ct);
        Evict(tenantId);
        return written;
    }

    /// <summary>
    /// Whether the tenant's data key was created after work received at <paramref name="receivedAt"/> (beyond
    /// <see cref="StoredDataKey.InstallationSkew"/>): the tenant was uninstalled and installed again since, and the
    /// work belongs to the earlier installation. False when the tenant has no key.
    /// </summary>
    public async Task<bool> IsLaterInstallationAsync(TenantId tenantId, DateTimeOffset receivedAt, CancellationToken ct)
        => await _store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct) is { } item && StoredDataKey.IsLaterInstallation(item.Data, receivedAt);

    /// <summary>
    /// After re-wrapping: erases the copies of the data keys as they were wrapped before from the store's own files
    /// (SQLite's WAL keeps the page images of earlier commits; a b-tree rebalance may have left stale copies in pages'
    /// unallocated space: the file is rebuilt), where a leaked copy of a retired key-encryption key would still unwrap
    /// them. False when it could not finish now (a reader held an old snapshot throughout, the write lock stayed busy).
    /// </summary>
    public Task<bool> EraseReWrappedResidueAsync() => ResidueErasure.AfterReWrapAsync(_store);

    /// <summary>The id of the key-encryption key that wraps the tenant's data key, or null.</summary>
    public async Task<string?> WrappingKeyIdAsync(TenantId tenantId, CancellationToken ct)
    {
        var item = await _store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct);
        return item is null ? null : JsonSerializer.Deserialize<StoredDataKey>(item.Data, JsonDefaults.Tolerant)!.KeyId;
    }

    /// <param name="tenantId">The tenant.</param>
    /// <param name="shreddingAsNull">
    /// Whether a key whose share the tenant's uninstall has already shredded (its erase deletes the share first, then
    /// the key item) reads as shredded, null; otherwise it throws (never a key created in its place). Either way it is
    /// not the operator's missing share (event 3106, an error): runs still queued or in flight for the tenant met it in
    /// that window and logged errors for an uninstall that went as it should (<c>UninstallRacingQueuedRunsTests</c>).
    /// </param>
    /// <param name="ct">Cancels the load.</param>
    private async Task<byte[]?> LoadAsync(TenantId tenantId, bool shreddingAsNull, CancellationToken ct)
    {
        var item = await _store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct);
        if (item is null)
        {
            return null;
        }

        var stored = ReadStored(item.Data, tenantId);
        // Keys stored before every key creation listed its tenant: list it now, or rotation would never see it.
        await TenantDirectory.EnsureListedWhileKeyExistsAsync(_store, tenantId, ct);
        try
        {
            var wrapped = new WrappedDataKey(stored.KeyId, Convert.FromBase64String(stored.Wrapped));
            var plaintext = await _provider.DecryptDataKeyAsync(tenantId, wrapped, ct);
            if (_provider.OpensWithoutShare(tenantId, wrapped))
            {
                await SealUnderShareAsync(tenantId, item, stored, wrapped, ct);
            }

            return plaintext;
        }
        catch (TenantKeyShareMissingException)
        {
            if (await IsBeingUninstalledAsync(tenantId, ct))
            {
                DataKeyBeingShredded(_logger);
                if (shreddingAsNull)
                {
                    return null;
                }

                throw;
            }

            DataKeyShareMissing(_logger, tenantId.Value);
            _metrics?.DecryptFailure("data_key");
            throw;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            // The exception text is not logged: only the closed facts (which tenant, which key id).
            DataKeyUnwrapFailed(_logger, tenantId.Value, stored.KeyId);
            _metrics?.DecryptFailure("data_key");
            throw ex as CryptographicException ?? new CryptographicException("Malformed wrapped data key.");
        }
    }

    /// <summary>
    /// Stores again, in the form that needs the tenant's share, a data key an earlier release stored without one: until
    /// then the uninstall's delete of the share would leave it openable from an old copy of the store (a PITR restore on
    /// AWS, with <c>kms:Decrypt</c>). Once per such key, the first time a backend loads it after the deploy, instead of
    /// waiting for an operator's <c>keys rotate</c>. Conditional on the item read (a rotation or an uninstall in between
    /// wins) and skipped once the tenant's uninstall began (no share is created for a tenant being shredded). Best effort:
    /// a failure leaves the key as it was (it still opens) and is tried again at the next load.
    /// </summary>
    private async Task SealUnderShareAsync(TenantId tenantId, StoreItem item, StoredDataKey stored, WrappedDataKey wrapped, CancellationToken ct)
    {
        try
        {
            var shredding = await IsBeingUninstalledAsync(tenantId, ct);
            if (shredding)
            {
                return;
            }

            var resealed = await _provider.SealUnderShareAsync(tenantId, wrapped, ct);
            var updated = stored with { KeyId = resealed.KeyId, Wrapped = Convert.ToBase64String(resealed.Ciphertext) };
            if (await _store.ForTenant(tenantId).PutIfRevisionAsync(item with { Data = Common.StoredJson.WriteKeepingUnknown(item.Data, updated) }, item.Revision, ct))
            {
                DataKeySealedUnderShare(_logger, tenantId.Value);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DataKeySealUnderShareFailed(_logger, tenantId.Value, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "The data key of tenant {TenantId}, stored by an earlier release without the tenant's share, is stored again under its share")]
    private static partial void DataKeySealedUnderShare(ILogger logger, string tenantId);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "The data key of tenant {TenantId}, stored by an earlier release without the tenant's share, could not be stored again under its share ({ErrorType}); it still opens, and the next load or keys rotate tries again")]
    private static partial void DataKeySealUnderShareFailed(ILogger logger, string tenantId, string errorType);

    /// <summary>
    /// Whether the tenant's uninstall has begun (<c>Tenancy.UninstalledInstallations</c> marks it before its erase
    /// shreds anything) or its key item is already gone: a missing share is then the shredding, not a lost file.
    /// </summary>
    private async Task<bool> IsBeingUninstalledAsync(TenantId tenantId, CancellationToken ct)
        => await _store.GetAsync(Keys.UninstalledPk, Keys.UninstalledSk(tenantId), ct) is not null
            || await _store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct) is null;

    [LoggerMessage(EventId = 3107, Level = LogLevel.Debug, Message = "A data key was read while its tenant's uninstall was shredding it; it reads as shredded")]
    private static partial void DataKeyBeingShredded(ILogger logger);

    /// <summary>
    /// The stored key item as this build reads it: a member a later build added is skipped (a rollback keeps the
    /// tenant's key), and an item that is not a key (not JSON, its key id or wrapped key missing) is a data key that
    /// does not unwrap, a <see cref="CryptographicException"/>. Before, it threw a JsonException or an
    /// ArgumentNullException, which the worker took for an infrastructure fault on every delivery: the tenant's queued
    /// messages were retried for ever without a record (<c>MalformedKeyItemTests</c>).
    /// </summary>
    private StoredDataKey ReadStored(string data, TenantId tenantId)
    {
        StoredDataKey? stored;
        try
        {
            stored = JsonSerializer.Deserialize<StoredDataKey>(data, JsonDefaults.Tolerant);
        }
        catch (JsonException)
        {
            stored = null;
        }

        if (stored is { KeyId: not null, Wrapped: not null })
        {
            return stored;
        }

        DataKeyUnwrapFailed(_logger, tenantId.Value, stored?.KeyId ?? "unknown");
        _metrics?.DecryptFailure("data_key");
        throw new CryptographicException("Malformed stored data key.");
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "The data key of tenant {TenantId} did not unwrap under key-encryption key {KeyId}: its secrets are unavailable until the key provider holds that key")]
    private static partial void DataKeyUnwrapFailed(ILogger logger, string tenantId, string keyId);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Error, Message = "The data key of tenant {TenantId} needs its key share, which is missing from tenant-keys/ beside the key ring: its secrets and queued events are unavailable until the share is put back from the copy or backup the database came from")]
    private static partial void DataKeyShareMissing(ILogger logger, string tenantId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "The data key of tenant {TenantId} was wrapped under {KeyId} while {CurrentKeyId} became current; re-wrapped")]
    private static partial void WrappedDuringRotation(ILogger logger, string tenantId, string keyId, string currentKeyId);

    private async Task<byte[]> CreateAsync(TenantId tenantId, CancellationToken ct, bool replacing = false, int vanished = 0)
    {
        // Listed before the key exists: rotation and retiring iterate the directory, and must see every data key.
        await TenantDirectory.EnsureListedAsync(_store, tenantId, ct);
        var generated = await _provider.GenerateDataKeyAsync(tenantId, ct);
        var stored = new StoredDataKey(generated.Wrapped.KeyId, Convert.ToBase64String(generated.Wrapped.Ciphertext), _time.GetUtcNow());
        if (await _store.ForTenant(tenantId).PutIfAbsentAsync(Keys.DataKey, JsonSerializer.Serialize(stored, JsonDefaults.Options), ct))
        {
            // A rotation may have made another key current between the wrap and the write: re-wrap now, while
            // the old key is still in the ring, so that retiring it cannot strand this tenant.
            if (_provider.CurrentKeyId is var current && current != generated.Wrapped.KeyId && !IsKmsAlias(generated.Wrapped.KeyId, current))
            {
                WrappedDuringRotation(_logger, tenantId.Value, generated.Wrapped.KeyId, current);
                try
                {
                    await ReWrapAsync(tenantId, ct);
                }
                catch (CryptographicException) when (!replacing)
                {
                    // The write may have taken longer than retiring's grace, the key it was wrapped under gone.
                    if (!await ReplaceUnopenableAsync(tenantId, generated.Wrapped, stored, ct))
                    {
                        throw;
                    }

                    CryptographicOperations.ZeroMemory(generated.Plaintext);
                    return await CreateAsync(tenantId, ct, replacing: true);
                }
            }

            return generated.Plaintext;
        }

        // Another worker created it first: use theirs so that every secret is under one key. Gone again before it could be
        // read (an uninstall's erase deleted it in between: two installs and an uninstall of one installation at once):
        // created anew, the caller's own uninstall checks after its writes deciding what stays. Was an
        // InvalidOperationException, a 500; a key that keeps vanishing is answered as unavailable (503, Retry-After).
        CryptographicOperations.ZeroMemory(generated.Plaintext);
        return await LoadAsync(tenantId, shreddingAsNull: false, ct)
            ?? (vanished < 2
                ? await CreateAsync(tenantId, ct, replacing, vanished + 1)
                : throw new KeyRingUnavailableException("The tenant's data key was deleted each time while it was being created (an uninstall at the same time)."));
    }

    /// <summary>
    /// Deletes the data key this instance just stored when the key-encryption key it was wrapped under is gone (retired
    /// by a rotation that finished while the write was held up): nobody can unwrap it, so nothing was sealed under it,
    /// and left in place it would make every later use of the tenant fail for good. True when it was deleted (still the
    /// stored key). A key that still unwraps (the ring file only unreadable for a moment) is kept.
    /// </summary>
    private async Task<bool> ReplaceUnopenableAsync(TenantId tenantId, WrappedDataKey wrapped, StoredDataKey ours, CancellationToken ct)
    {
        try
        {
            CryptographicOperations.ZeroMemory(await _provider.DecryptDataKeyAsync(tenantId, wrapped, ct));
            return false;
        }
        catch (CryptographicException)
        {
        }

        var item = await _store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct);
        if (item is null || JsonSerializer.Deserialize<StoredDataKey>(item.Data, JsonDefaults.Options) is not { } now || now.Wrapped != ours.Wrapped)
        {
            return false;
        }

        RetiredDuringCreation(_logger, tenantId.Value, wrapped.KeyId);
        return await _store.ForTenant(tenantId).DeleteIfRevisionAsync(Keys.DataKey, item.Revision, ct);
    }

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "The data key just created for tenant {TenantId} was wrapped under {KeyId}, retired before the key was stored; replaced by one under the current key")]
    private static partial void RetiredDuringCreation(ILogger logger, string tenantId, string keyId);

    // KMS names the same key by alias, id or ARN; only the local ring's ids are compared exactly.
    private static bool IsKmsAlias(string wrappedKeyId, string currentKeyId) => !wrappedKeyId.StartsWith("local-", StringComparison.Ordinal) || !currentKeyId.StartsWith("local-", StringComparison.Ordinal);

    public void Dispose() => _cache.Dispose();
}
