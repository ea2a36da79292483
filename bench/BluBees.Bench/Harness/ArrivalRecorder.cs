namespace BluBees.Bench.Harness;

/// <summary>
/// Arrival timestamps (Stopwatch ticks) of one phase's events at the sink, by index, and a waiter per index for
/// closed-loop drivers. Arrivals of other phases (stragglers) are ignored; a duplicate arrival is counted apart.
/// </summary>
internal sealed class ArrivalRecorder
{
    private readonly long[] _arrivals;
    private readonly TaskCompletionSource[] _waiters;
    private int _count;
    private int _duplicates;

    public ArrivalRecorder(int phase, int size)
    {
        Phase = phase;
        _arrivals = new long[size];
        _waiters = new TaskCompletionSource[size];
        for (var i = 0; i < size; i++)
        {
            _waiters[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        AllArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public int Phase { get; }

    public int Count => Volatile.Read(ref _count);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public TaskCompletionSource AllArrived { get; }

    public ReadOnlySpan<long> Arrivals => _arrivals;

    public Task WaitFor(int index) => _waiters[index].Task;

    public void Arrived(int phase, int index, long timestamp)
    {
        if (phase != Phase || (uint)index >= (uint)_arrivals.Length)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _arrivals[index], timestamp, 0) != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        _waiters[index].TrySetResult();
        if (Interlocked.Increment(ref _count) == _arrivals.Length)
        {
            AllArrived.TrySetResult();
        }
    }
}
