using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Harness;

/// <summary>A store that counts the queries of rule heads (<c>RULE#</c>); everything passes through to the real one.</summary>
public sealed class QueryTally(IStore inner) : IStore
{
    private int _ruleHeadQueries;

    public int RuleHeadQueries => Volatile.Read(ref _ruleHeadQueries);

    public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
    {
        if (request.SkPrefix == Keys.RulePrefix)
        {
            Interlocked.Increment(ref _ruleHeadQueries);
        }

        return inner.QueryAsync(request, ct);
    }

    public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);
    public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
    public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
    public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
    public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

    public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
        => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
}
