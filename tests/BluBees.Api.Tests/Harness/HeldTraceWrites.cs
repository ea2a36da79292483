using System.Collections.Concurrent;
using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// A store that counts the writes of rule trace items (<c>TRACE#…</c>) per partition and holds those of one partition
/// (<see cref="Hold"/>) until <see cref="Release"/>; everything else passes through to the real store. A filtered
/// event's trace write then stays in flight for as long as the test wants, without any timing.
/// </summary>
public sealed class HeldTraceWrites(IStore inner) : IStore
{
    private readonly ConcurrentDictionary<string, int> _started = new(StringComparer.Ordinal);
    private volatile string? _heldPk;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Trace writes held now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Trace writes of the tenant started so far (held or not).</summary>
    public int Started(string tenantId) => _started.GetValueOrDefault(Keys.Tenant(tenantId));

    public void Hold(string tenantId)
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _heldPk = Keys.Tenant(tenantId);
    }

    public void Release()
    {
        _heldPk = null;
        _release.TrySetResult();
    }

    public async Task PutManyAsync(IReadOnlyList<StoreItem> items, CancellationToken ct)
    {
        await EnterAsync(items, ct);
        await inner.PutManyAsync(items, ct);
    }

    public async Task PutAsync(StoreItem item, CancellationToken ct)
    {
        await EnterAsync([item], ct);
        await inner.PutAsync(item, ct);
    }

    private async Task EnterAsync(IReadOnlyList<StoreItem> items, CancellationToken ct)
    {
        if (items.FirstOrDefault(i => i.Sk.StartsWith("TRACE#", StringComparison.Ordinal)) is not { } trace)
        {
            return;
        }

        var release = _release.Task;
        _started.AddOrUpdate(trace.Pk, 1, (_, n) => n + 1);
        if (trace.Pk != _heldPk)
        {
            return;
        }

        Interlocked.Increment(ref _held);
        try
        {
            await release.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }

    public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);
    public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);
    public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
    public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
    public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

    public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
        => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    public Task ProbeAsync(CancellationToken ct) => inner.ProbeAsync(ct);
}
