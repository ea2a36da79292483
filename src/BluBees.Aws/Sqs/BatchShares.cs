namespace BluBees.Aws.Sqs;

/// <summary>
/// The worker slots of one SQS batch and each tenant's share of them, as the embedded worker hands them out: at most
/// <c>workers</c> records at once, at most <c>cap</c> of one tenant, and a tenant that already has a record running
/// takes another only while more than <c>reserve</c> slots stay free (<see cref="Engine.Execution.RunOptions.WorkerReserve"/>).
/// Before, a per-tenant semaphore and a slot semaphore alone let two tenants at their share hold every slot between
/// them (two hanging third parties), and a third tenant's record waited for one of their calls to give up, or, past
/// the run deadline, went back to the queue unrun.
/// </summary>
internal sealed class BatchShares(int workers, int cap, int reserve)
{
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private int _total;

    /// <summary>Waits until <paramref name="tenant"/> may run one more record, and takes the slot.</summary>
    public async Task EnterAsync(string tenant, CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (TryTake(tenant))
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(ct);
        }
    }

    /// <summary>Gives a slot taken by <see cref="EnterAsync"/> back and lets every waiting record look again.</summary>
    public void Leave(string tenant)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            var held = _held.GetValueOrDefault(tenant);
            if (held <= 1)
            {
                _held.Remove(tenant);
            }
            else
            {
                _held[tenant] = held - 1;
            }

            _total--;
            (changed, _changed) = (_changed, NewSignal());
        }

        changed.TrySetResult();
    }

    private bool TryTake(string tenant)
    {
        var held = _held.GetValueOrDefault(tenant);
        if (_total >= workers || held >= cap || (held > 0 && _total >= workers - reserve))
        {
            return false;
        }

        _held[tenant] = held + 1;
        _total++;
        return true;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
