using System.Collections.Concurrent;
using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// A store that counts the queries of rule heads (<c>RULE#</c>) and every item a read handed back (query or point
/// read), by sort key; everything passes through to the real one.
/// </summary>
public sealed class QueryTally(IStore inner) : IStore
{
    private int _ruleHeadQueries;
    private readonly ConcurrentQueue<string> _read = new();

    public int RuleHeadQueries => Volatile.Read(ref _ruleHeadQueries);

    /// <summary>How many items whose sort key starts with <paramref name="prefix"/> reads have handed back so far.</summary>
    public int ItemsRead(string prefix) => _read.Count(sk => sk.StartsWith(prefix, StringComparison.Ordinal));

    public async Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
    {
        if (request.SkPrefix == Keys.RulePrefix)
        {
            Interlocked.Increment(ref _ruleHeadQueries);
        }

        var page = await inner.QueryAsync(request, ct);
        foreach (var item in page.Items)
        {
            _read.Enqueue(item.Sk);
        }

        return page;
    }

    public async Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
    {
        var item = await inner.GetAsync(pk, sk, ct);
        if (item is not null)
        {
            _read.Enqueue(sk);
        }

        return item;
    }

    public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
    public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
    public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
    public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

    public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
        => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
}
