using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// A store that holds, until <see cref="Release"/>, the next query of one sort-key prefix (<see cref="HoldNextQuery"/>)
/// and every delete (conditional or not) of sort keys under a prefix (<see cref="HoldDeletes"/>), counting what it holds; everything else
/// passes through to the real store. A held operation waits on its caller's cancellation token too, so a request whose
/// caller hangs up while it is held goes on as it would after a slow store call. No timing.
/// </summary>
public sealed class HeldOperations(IStore inner) : IStore
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _nextQueryPrefix;
    private string? _deletePrefix;
    private int _heldQueries;
    private int _heldDeletes;

    public int HeldQueries => Volatile.Read(ref _heldQueries);

    public int HeldDeletes => Volatile.Read(ref _heldDeletes);

    /// <summary>Holds the next query whose sort-key prefix is exactly <paramref name="skPrefix"/> (one only).</summary>
    public void HoldNextQuery(string skPrefix)
    {
        lock (_lock)
        {
            _nextQueryPrefix = skPrefix;
        }
    }

    /// <summary>Holds every delete of a sort key starting with <paramref name="skPrefix"/>.</summary>
    public void HoldDeletes(string skPrefix)
    {
        lock (_lock)
        {
            _deletePrefix = skPrefix;
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _nextQueryPrefix = null;
            _deletePrefix = null;
            _release.TrySetResult();
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public async Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
    {
        Task? release = null;
        lock (_lock)
        {
            if (_nextQueryPrefix is not null && request.SkPrefix == _nextQueryPrefix)
            {
                _nextQueryPrefix = null;
                release = _release.Task;
            }
        }

        if (release is not null)
        {
            await WaitAsync(release, () => Interlocked.Increment(ref _heldQueries), () => Interlocked.Decrement(ref _heldQueries), ct);
        }

        return await inner.QueryAsync(request, ct);
    }

    public async Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct)
    {
        await HoldDeleteAsync(sk, ct);
        return await inner.DeleteAsync(pk, sk, ct);
    }

    /// <summary>Held as <see cref="DeleteAsync"/> (a delete conditional on the revision read is a delete too).</summary>
    public async Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
    {
        await HoldDeleteAsync(sk, ct);
        return await inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
    }

    private async Task HoldDeleteAsync(string sk, CancellationToken ct)
    {
        Task? release = null;
        lock (_lock)
        {
            if (_deletePrefix is not null && sk.StartsWith(_deletePrefix, StringComparison.Ordinal))
            {
                release = _release.Task;
            }
        }

        if (release is not null)
        {
            await WaitAsync(release, () => Interlocked.Increment(ref _heldDeletes), () => Interlocked.Decrement(ref _heldDeletes), ct);
        }
    }

    private static async Task WaitAsync(Task release, Action enter, Action leave, CancellationToken ct)
    {
        enter();
        try
        {
            await release.WaitAsync(ct);
        }
        finally
        {
            leave();
        }
    }

    public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);
    public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
    public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
    public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    public Task ProbeAsync(CancellationToken ct) => inner.ProbeAsync(ct);
}
