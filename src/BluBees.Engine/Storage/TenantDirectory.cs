using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Storage;

/// <summary>
/// The operator directory partition (<c>DIR</c>): one entry per tenant that has anything stored. Key rotation,
/// retiring and backups iterate it, so every path that stores a tenant's data key first makes sure the tenant is
/// listed here (<see cref="Crypto.TenantKeyService"/>): a data key outside the directory would never be re-wrapped
/// and would be lost when its key-encryption key is retired.
/// </summary>
internal static class TenantDirectory
{
    public static StoreItem EntryFor(TenantId tenantId)
        => new(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), StoredJson.Write(new DirectoryEntry(tenantId.Value)));

    /// <summary>
    /// The tenant an entry names; read tolerantly: an entry a later build wrote (a rollback) still names it (before, the
    /// strict read threw, and every walk of the directory failed for all tenants: key rotation, resumed uninstalls, the
    /// start's check for existing data keys).
    /// </summary>
    public static TenantId TenantIdOf(StoreItem entry) => new(StoredJson.ReadTolerant<DirectoryEntry>(entry.Data).TenantId);

    /// <summary>Lists the tenant when it is not listed yet (a read when it is). True when it added the entry.</summary>
    public static async Task<bool> EnsureListedAsync(IStore store, TenantId tenantId, CancellationToken ct)
        => await store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), ct) is null
            && await store.PutIfAbsentAsync(EntryFor(tenantId), ct);

    /// <summary>
    /// Lists a tenant whose data key was just read, unless an uninstall removed the key meanwhile: then the entry
    /// just added is taken back, so that no trace of the uninstalled tenant (its id) stays in the directory.
    /// </summary>
    public static async Task EnsureListedWhileKeyExistsAsync(IStore store, TenantId tenantId, CancellationToken ct)
    {
        if (await EnsureListedAsync(store, tenantId, ct) && await store.ForTenant(tenantId).GetAsync(Keys.DataKey, ct) is null)
        {
            await store.DeleteAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenantId.Value), ct);
        }
    }

    /// <summary>
    /// Whether the store holds any data key: a listed tenant's (stops at the first), or, where the store can scan, one
    /// an older build stored without listing its tenant. False for a store without data keys (a first start).
    /// </summary>
    public static async Task<bool> AnyDataKeyAsync(IStore store, CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var page = await store.QueryAsync(new QueryRequest(Keys.DirectoryPk, Keys.DirectoryEntryPrefix) { Limit = 500, StartAfter = cursor }, ct);
            foreach (var entry in page.Items)
            {
                if (await store.ForTenant(TenantIdOf(entry)).GetAsync(Keys.DataKey, ct) is not null)
                {
                    return true;
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        // Keys an older build stored without listing their tenant (not unwrapped since): only a scan finds them.
        if (store is IDataKeyScan scan)
        {
            await foreach (var _ in scan.TenantsWithDataKeyAsync(ct))
            {
                return true;
            }
        }

        return false;
    }

    private sealed record DirectoryEntry(string TenantId);
}
