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
/// else, and expires by itself. Each instance caches "installed" for a tenant for <see cref="Recheck"/>, so the store
/// is read about once a minute per tenant and instance, not per request; "uninstalled" is never cached (those requests
/// are rare, and an operator's restore clears the mark for every instance at once).
/// </summary>
public sealed class UninstalledInstallations(IStore store, TimeProvider time)
{
    /// <summary>How long after an uninstall its installation's requests are refused.</summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromDays(1);

    /// <summary>How long an instance trusts its cached answer for a tenant.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);

    private const int MaxCached = 100_000;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _installedAt = new(StringComparer.Ordinal); // tenant → when it was seen installed

    private sealed record Marker(DateTimeOffset UninstalledAt);

    /// <summary>Records the uninstall (before the tenant's data is deleted, so that no request recreates it meanwhile).</summary>
    public async Task MarkAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await store.PutAsync(new StoreItem(Keys.UninstalledPk, Sk(tenantId), StoredJson.Write(new Marker(now)), (now + Remembered).ToUnixTimeSeconds()), ct);
        _installedAt.TryRemove(tenantId.Value, out _);
    }

    /// <summary>Forgets the mark (an installation installed again under the same id, which Forge does not do).</summary>
    public async Task ClearAsync(TenantId tenantId, CancellationToken ct)
    {
        await store.DeleteAsync(Keys.UninstalledPk, Sk(tenantId), ct);
    }

    /// <summary>Whether the installation was uninstalled within <see cref="Remembered"/>.</summary>
    public async ValueTask<bool> IsUninstalledAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_installedAt.TryGetValue(tenantId.Value, out var seen) && now - seen < Recheck && now >= seen)
        {
            return false;
        }

        if (await store.GetAsync(Keys.UninstalledPk, Sk(tenantId), ct) is not null)
        {
            _installedAt.TryRemove(tenantId.Value, out _);
            return true;
        }

        if (_installedAt.Count >= MaxCached)
        {
            _installedAt.Clear(); // a bound, not an eviction policy: tenant ids come only from verified tokens
        }

        _installedAt[tenantId.Value] = now;
        return false;
    }

    private static string Sk(TenantId tenantId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId.Value)));
}
