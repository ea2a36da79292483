namespace BluBees.Bench.Throughput;

/// <summary>
/// Runs <c>count</c> operations with at most <c>concurrency</c> in flight: each worker takes the next index as soon
/// as its previous operation completes (closed loop). The operation stamps its own send/ack times.
/// </summary>
internal static class ClosedLoopDriver
{
    public static async Task RunAsync(int count, int concurrency, Func<int, Task> operation)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, concurrency)).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                await operation(index);
            }
        }));
        await Task.WhenAll(workers);
    }
}
