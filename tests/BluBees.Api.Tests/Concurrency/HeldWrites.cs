using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// A store that holds every write (put, conditional put) of one sort key (<see cref="Hold"/>) until <see cref="Release"/>,
/// counting the writes it holds; everything else passes through to the real store. A request that writes the key stays
/// in flight between its reads and its write for as long as the test wants, without any timing.
/// </summary>
public sealed class HeldWrites(IStore inner) : IStore
{
    private volatile string? _heldKey;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Writes held now.</summary>
    public int Held => Volatile.Read(ref _held);

    public void Hold(string sortKey)
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _heldKey = sortKey;
    }

    public void Release()
    {
        _heldKey = null;
        _release.TrySetResult();
    }

    public async Task PutAsync(StoreItem item, CancellationToken ct)
    {
        await EnterAsync(item.Sk, ct);
        await inner.PutAsync(item, ct);
    }

    public async Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct)
    {
        await EnterAsync(item.Sk, ct);
        return await inner.PutIfAbsentAsync(item, ct);
    }

    public async Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
    {
        await EnterAsync(item.Sk, ct);
        return await inner.PutIfRevisionAsync(item, expectedRevision, ct);
    }

    private async Task EnterAsync(string sk, CancellationToken ct)
    {
        if (sk != _heldKey)
        {
            return;
        }

        var release = _release.Task;
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
    public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

    public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
        => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    public Task ProbeAsync(CancellationToken ct) => inner.ProbeAsync(ct);
}
