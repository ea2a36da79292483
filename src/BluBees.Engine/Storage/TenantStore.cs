namespace BluBees.Engine.Storage;

/// <summary>
/// One tenant's partition of the store. The partition key is fixed when the scope is made (from a
/// <see cref="TenantId"/>); every operation takes sort keys only, so no call can forget the partition or name
/// another tenant's. Items handed in whole (read, changed with <c>with</c>, written back; or built by
/// <see cref="Item"/> for the queue's group commit) are checked to belong here.
/// </summary>
public sealed class TenantStore
{
    private readonly IStore _store;

    internal TenantStore(IStore store, TenantId tenant)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (tenant.Value is null)
        {
            throw new ArgumentException("A tenant store needs a tenant id (default(TenantId) has none).", nameof(tenant));
        }

        _store = store;
        Tenant = tenant;
        Partition = Keys.Tenant(tenant.Value);
    }

    public TenantId Tenant { get; }

    /// <summary>
    /// The partition key, for the one record that carries it to another writer: the de-duplication claim the
    /// durable queue writes in its own transaction (<see cref="Runs.DedupClaim"/>).
    /// </summary>
    public string Partition { get; }

    /// <summary>The partition of a tenant, for a storage implementation outside this folder (the durable queue's claim).</summary>
    public static string PartitionOf(TenantId tenant) => Keys.Tenant(tenant.Value);

    /// <summary>An item of this partition, to be written here or in the durable queue's transaction.</summary>
    public StoreItem Item(string sk, string data, long? expiresAt = null) => new(Partition, sk, data, expiresAt);

    public Task<bool> PutIfAbsentAsync(string sk, string data, CancellationToken ct) => _store.PutIfAbsentAsync(Item(sk, data), ct);

    public Task<bool> PutIfAbsentAsync(string sk, string data, long? expiresAt, CancellationToken ct)
        => _store.PutIfAbsentAsync(Item(sk, data, expiresAt), ct);

    public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => _store.PutIfAbsentAsync(Own(item), ct);

    public Task PutAsync(string sk, string data, CancellationToken ct) => _store.PutAsync(Item(sk, data), ct);

    public Task PutAsync(string sk, string data, long? expiresAt, CancellationToken ct) => _store.PutAsync(Item(sk, data, expiresAt), ct);

    public Task PutAsync(StoreItem item, CancellationToken ct) => _store.PutAsync(Own(item), ct);

    /// <summary>Writes each item as <see cref="PutAsync(StoreItem, CancellationToken)"/> does, together where the store can.</summary>
    public Task PutManyAsync(IReadOnlyList<StoreItem> items, CancellationToken ct) => _store.PutManyAsync([.. items.Select(Own)], ct);

    public Task<bool> PutIfRevisionAsync(string sk, string data, long expectedRevision, CancellationToken ct)
        => _store.PutIfRevisionAsync(Item(sk, data), expectedRevision, ct);

    public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
        => _store.PutIfRevisionAsync(Own(item), expectedRevision, ct);

    public Task<StoreItem?> GetAsync(string sk, CancellationToken ct) => _store.GetAsync(Partition, sk, ct);

    public Task<QueryPage> QueryAsync(TenantQuery query, CancellationToken ct)
        => _store.QueryAsync(
            new QueryRequest(Partition, query.SkPrefix)
            {
                Descending = query.Descending,
                Limit = query.Limit,
                StartAfter = query.StartAfter,
                SkFrom = query.SkFrom,
                SkTo = query.SkTo,
            },
            ct);

    public Task<bool> DeleteAsync(string sk, CancellationToken ct) => _store.DeleteAsync(Partition, sk, ct);

    public Task<bool> DeleteIfRevisionAsync(string sk, long expectedRevision, CancellationToken ct)
        => _store.DeleteIfRevisionAsync(Partition, sk, expectedRevision, ct);

    /// <summary>
    /// Deletes the item at <paramref name="sk"/> as it is when deleted: conditional on the revision of
    /// <paramref name="read"/> (the item as the caller read it; null: read now) and, when another write replaced it
    /// meanwhile, read again and retried. Returns the item deleted (what it held, such as the secrets whose key shares go
    /// with it), or null when there was none. A plain delete after a read removed, unknown to its caller, what a write in
    /// between had put: a connection's secret replaced by an edit racing its delete kept its key share.
    /// </summary>
    public async Task<StoreItem?> DeleteAsReadAsync(string sk, StoreItem? read, CancellationToken ct)
    {
        var current = read ?? await GetAsync(sk, ct);
        while (current is not null)
        {
            if (await DeleteIfRevisionAsync(sk, current.Revision, ct))
            {
                return current;
            }

            current = await GetAsync(sk, ct);
        }

        return null;
    }

    /// <summary>Deletes every item of the partition under <paramref name="prefix"/>, a page of 100 at a time.</summary>
    public async Task DeletePrefixAsync(string prefix, CancellationToken ct)
    {
        string? after = null;
        do
        {
            var page = await QueryAsync(new TenantQuery(prefix) { StartAfter = after }, ct);
            foreach (var item in page.Items)
            {
                await DeleteAsync(item.Sk, ct);
            }

            after = page.NextCursor;
        }
        while (after is not null);
    }

    /// <summary>Deletes the whole partition (uninstall). Returns the count deleted.</summary>
    public Task<int> DeleteAllAsync(CancellationToken ct) => _store.DeletePartitionAsync(Partition, ct);

    private StoreItem Own(StoreItem item)
        => item.Pk == Partition ? item : throw new ArgumentException("The item belongs to another partition than this tenant's.", nameof(item));
}

/// <summary>A query of one tenant's partition: <see cref="QueryRequest"/> without the partition key.</summary>
public sealed record TenantQuery(string SkPrefix)
{
    public bool Descending { get; init; }
    public int Limit { get; init; } = 100;
    public string? StartAfter { get; init; }
    public string? SkFrom { get; init; }
    public string? SkTo { get; init; }
}

/// <summary>The one way from the raw store to a tenant's partition.</summary>
public static class TenantStores
{
    public static TenantStore ForTenant(this IStore store, TenantId tenant) => new(store, tenant);
}
