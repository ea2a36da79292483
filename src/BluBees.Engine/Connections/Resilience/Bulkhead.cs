namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// The concurrency bulkhead of one connection (one tenant, one connection revision): at most <c>slots</c> calls in
/// flight, at most <c>queueLimit</c> waiting, each for at most <c>maxWait</c> on the injected clock. A call that
/// finds it full is refused at once (<c>bulkhead_full</c>) instead of holding a worker, so a hanging host can hold
/// only its own connection's slots and never the workers other connections and tenants need.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The semaphore's wait handle is never created; a replaced revision's bulkhead must stay usable by calls still holding its slots.")]
internal sealed class Bulkhead(int slots, int queueLimit, TimeSpan maxWait, TimeProvider time)
{
    private readonly SemaphoreSlim _slots = new(slots, slots);
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    public int InUse => slots - _slots.CurrentCount;

    /// <summary>A free slot now, or null.</summary>
    public IDisposable? TryEnter() => _slots.Wait(0, CancellationToken.None) ? new Slot(_slots) : null;

    /// <summary>A slot (dispose it to give it back), or null when none freed up within the bound.</summary>
    public async ValueTask<IDisposable?> EnterAsync(CancellationToken ct)
    {
        if (TryEnter() is { } free)
        {
            return free;
        }

        if (maxWait <= TimeSpan.Zero || Interlocked.Increment(ref _waiting) > queueLimit)
        {
            if (maxWait > TimeSpan.Zero)
            {
                Interlocked.Decrement(ref _waiting);
            }

            return null;
        }

        try
        {
            using var bound = new CancellationTokenSource(maxWait, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, bound.Token);
            await _slots.WaitAsync(linked.Token);
            return new Slot(_slots);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
