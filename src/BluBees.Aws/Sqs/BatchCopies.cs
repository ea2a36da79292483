using System.Collections.Concurrent;
using BluBees.Engine.Runs;

namespace BluBees.Aws.Sqs;

/// <summary>
/// Copies of one run message within one SQS batch (a standard queue may store a message twice: a send whose answer was
/// lost and was sent again, or a copy that survived its delete) run one after the other, so that the later copy finds
/// the records the earlier one wrote and runs none of their rules again. Distinct messages never wait for each other.
/// </summary>
internal sealed class BatchCopies : IDisposable
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits until no other copy of <paramref name="message"/> in the batch is running; dispose the result to let the next one go.</summary>
    public async Task<IDisposable?> EnterAsync(RunMessage message, CancellationToken ct)
    {
        if (message.Id is null)
        {
            return null; // no identity to share: its run ids are its own
        }

        var gate = _gates.GetOrAdd(message.Tenant.TenantId + "\n" + message.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Turn(gate);
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
