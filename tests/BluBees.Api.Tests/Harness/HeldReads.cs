using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// A store that holds every point read of one sort key (<see cref="Hold"/>) until <see cref="Release"/>, counting the
/// reads it holds; everything else passes through to the real store. A request that reads the key stays in flight,
/// inside its handler, for as long as the test wants, without any timing.
/// </summary>
public sealed class HeldReads(IStore inner) : IStore
{
    private volatile string? _heldKey;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Reads held now.</summary>
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

    public async Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
    {
        if (sk == _heldKey)
        {
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

        return await inner.GetAsync(pk, sk, ct);
    }

    public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);
    public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
    public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
    public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
    public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

    public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
        => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
}
