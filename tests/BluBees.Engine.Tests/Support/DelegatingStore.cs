using BluBees.Engine.Storage;

namespace BluBees.Engine.Tests.Support;

/// <summary>
/// A store that passes every call to the real one; a test overrides the one call it stands between (a race, a lost
/// write), so each test's store says only what it changes.
/// </summary>
internal abstract class DelegatingStore(IStore inner) : IStore
{
    protected IStore Inner => inner;

    public virtual Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);

    public virtual Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

    public virtual Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

    public virtual Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);

    public virtual Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

    public virtual Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

    public virtual Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

    public virtual Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);

    public virtual Task ProbeAsync(CancellationToken ct) => inner.ProbeAsync(ct);
}
