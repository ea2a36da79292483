using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Remembers for a day that an installation was uninstalled, so that a request arriving after the uninstall with a
/// token that is still valid (an event Forge sent before it, a retry, a browser tab left open) cannot create the
/// tenant's data again: its META, directory entry, data key, rules or connections would be left behind with no
/// uninstall ever to come (Forge gives a reinstall a new installation id: ../shared/FORGE.md, "Key data to
/// app.installationId (changes on reinstall)"). The item holds the SHA-256 of the tenant id and the time, nothing
/// else, and expires by itself. Each instance caches the answer for a tenant for <see cref="Recheck"/>, so the
/// store is read about once a minute per tenant and instance, not per request.
/// </summary>
public sealed class UninstalledInstallations(IStore store, TimeProvider time)
{
    /// <summary>How long after an uninstall its installation's requests are refused.</summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromDays(1);

    /// <summary>How long an instance trusts its cached answer for a tenant.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);

    private const int MaxCached = 100_000;
    private readonly ConcurrentDictionary<string, (bool Uninstalled, DateTimeOffset CheckedAt)> _cache = new(StringComparer.Ordinal);

    private sealed record Marker(DateTimeOffset UninstalledAt);

    /// <summary>Records the uninstall (before the tenant's data is deleted, so that no request recreates it meanwhile).</summary>
    public async Task MarkAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await store.PutAsync(new StoreItem(Keys.UninstalledPk, Sk(tenantId), StoredJson.Write(new Marker(now)), (now + Remembered).ToUnixTimeSeconds()), ct);
        Remember(tenantId, true, now);
    }

    /// <summary>Forgets the mark (an installation installed again under the same id, which Forge does not do).</summary>
    public async Task ClearAsync(TenantId tenantId, CancellationToken ct)
    {
        await store.DeleteAsync(Keys.UninstalledPk, Sk(tenantId), ct);
        _cache.TryRemove(tenantId.Value, out _);
    }

    /// <summary>Whether the installation was uninstalled within <see cref="Remembered"/>.</summary>
    public async ValueTask<bool> IsUninstalledAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(tenantId.Value, out var cached) && now - cached.CheckedAt < Recheck && now >= cached.CheckedAt)
        {
            return cached.Uninstalled;
        }

        var uninstalled = await store.GetAsync(Keys.UninstalledPk, Sk(tenantId), ct) is not null;
        Remember(tenantId, uninstalled, now);
        return uninstalled;
    }

    private void Remember(TenantId tenantId, bool uninstalled, DateTimeOffset now)
    {
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear(); // a bound, not an eviction policy: tenant ids come only from verified tokens
        }

        _cache[tenantId.Value] = (uninstalled, now);
    }

    private static string Sk(TenantId tenantId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId.Value)));
}
