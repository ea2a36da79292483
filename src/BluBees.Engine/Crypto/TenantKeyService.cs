using System.Text.Json;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Crypto;

/// <summary>
/// Owns each tenant's data key: created on first need, stored wrapped, unwrapped just in time and kept in a
/// bounded, short-lived memory cache. Deleting the stored key crypto-shreds everything it protected.
/// </summary>
public sealed class TenantKeyService : IDisposable
{
    private readonly IStore _store;
    private readonly IKeyEncryptionProvider _provider;
    private readonly TimeProvider _time;
    private readonly KeyOptions _options;
    private readonly MemoryCache _cache;

    public TenantKeyService(IStore store, IKeyEncryptionProvider provider, TimeProvider time, IOptions<KeyOptions> options)
    {
        _store = store;
        _provider = provider;
        _time = time;
        _options = options.Value;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.DataKeyCacheSize });
    }

    /// <summary>Returns the tenant's data key, creating and storing it when the tenant has none yet.</summary>
    public async Task<byte[]> GetOrCreateAsync(string tenantId, CancellationToken ct)
    {
        if (Cached(tenantId) is { } cached)
        {
            return cached;
        }

        var key = await LoadAsync(tenantId, ct) ?? await CreateAsync(tenantId, ct);
        Remember(tenantId, key);
        return key;
    }

    /// <summary>Returns the tenant's data key or null when it was never created or has been shredded.</summary>
    public async Task<byte[]?> GetExistingAsync(string tenantId, CancellationToken ct)
    {
        if (Cached(tenantId) is { } cached)
        {
            return cached;
        }

        var key = await LoadAsync(tenantId, ct);
        if (key is not null)
        {
            Remember(tenantId, key);
        }

        return key;
    }

    // Expiry is checked against the injected clock (not the cache's own), so tests and operators see the same TTL.
    private byte[]? Cached(string tenantId)
        => _cache.TryGetValue(tenantId, out CachedKey? entry) && entry is not null && _time.GetUtcNow() < entry.ExpiresAt ? entry.Key : null;

    private void Remember(string tenantId, byte[] key)
        => _cache.Set(tenantId, new CachedKey(key, _time.GetUtcNow() + _options.DataKeyCacheTtl), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = _options.DataKeyCacheTtl });

    private sealed record CachedKey(byte[] Key, DateTimeOffset ExpiresAt);

    /// <summary>Forgets the in-memory copy (uninstall, rotation).</summary>
    public void Evict(string tenantId) => _cache.Remove(tenantId);

    /// <summary>Re-wraps the tenant's data key under the provider's current key. Returns false when the tenant has no key.</summary>
    public async Task<bool> ReWrapAsync(string tenantId, CancellationToken ct)
    {
        var item = await _store.GetAsync(Keys.Tenant(tenantId), Keys.DataKey, ct);
        if (item is null)
        {
            return false;
        }

        var stored = JsonSerializer.Deserialize<StoredDataKey>(item.Data, JsonDefaults.Options)!;
        var rewrapped = await _provider.ReWrapAsync(tenantId, new WrappedDataKey(stored.KeyId, Convert.FromBase64String(stored.Wrapped)), ct);
        var updated = stored with { KeyId = rewrapped.KeyId, Wrapped = Convert.ToBase64String(rewrapped.Ciphertext), RotatedAt = _time.GetUtcNow() };
        // Conditional: an uninstall racing with rotation must not bring the shredded key back.
        var written = await _store.PutIfRevisionAsync(item with { Data = JsonSerializer.Serialize(updated, JsonDefaults.Options) }, item.Revision, ct);
        Evict(tenantId);
        return written;
    }

    /// <summary>The id of the key-encryption key that wraps the tenant's data key, or null.</summary>
    public async Task<string?> WrappingKeyIdAsync(string tenantId, CancellationToken ct)
    {
        var item = await _store.GetAsync(Keys.Tenant(tenantId), Keys.DataKey, ct);
        return item is null ? null : JsonSerializer.Deserialize<StoredDataKey>(item.Data, JsonDefaults.Options)!.KeyId;
    }

    private async Task<byte[]?> LoadAsync(string tenantId, CancellationToken ct)
    {
        var item = await _store.GetAsync(Keys.Tenant(tenantId), Keys.DataKey, ct);
        if (item is null)
        {
            return null;
        }

        var stored = JsonSerializer.Deserialize<StoredDataKey>(item.Data, JsonDefaults.Options)!;
        return await _provider.DecryptDataKeyAsync(tenantId, new WrappedDataKey(stored.KeyId, Convert.FromBase64String(stored.Wrapped)), ct);
    }

    private async Task<byte[]> CreateAsync(string tenantId, CancellationToken ct)
    {
        var generated = await _provider.GenerateDataKeyAsync(tenantId, ct);
        var stored = new StoredDataKey(generated.Wrapped.KeyId, Convert.ToBase64String(generated.Wrapped.Ciphertext), _time.GetUtcNow());
        var item = new StoreItem(Keys.Tenant(tenantId), Keys.DataKey, JsonSerializer.Serialize(stored, JsonDefaults.Options));
        if (await _store.PutIfAbsentAsync(item, ct))
        {
            return generated.Plaintext;
        }

        // Another worker created it first: use theirs so that every secret is under one key.
        return await LoadAsync(tenantId, ct) ?? throw new InvalidOperationException("Tenant data key vanished during creation.");
    }

    public void Dispose() => _cache.Dispose();
}
