using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A hard kill inside the queue write, around the backend's real queue: the write never happens and the call never
/// returns (no catch or release after it runs) until the test cancels it at its end.
/// </summary>
internal sealed class DyingQueue(IDedupingRunQueue inner) : IDedupingRunQueue
{
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool SharesStore => inner.SharesStore;

    public async ValueTask EnqueueAsync(RunMessage message, CancellationToken ct) => await DieAsync(ct);

    public async Task<EnqueueOutcome> EnqueueDedupedAsync(RunMessage message, DedupClaim claim, CancellationToken ct)
    {
        await DieAsync(ct);
        return EnqueueOutcome.Full;
    }

    private async Task DieAsync(CancellationToken ct)
    {
        Reached.TrySetResult();
        await Task.Delay(Timeout.Infinite, ct);
    }
}
