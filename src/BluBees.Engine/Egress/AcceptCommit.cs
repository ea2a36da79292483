namespace BluBees.Engine.Egress;

/// <summary>
/// The commit of the transaction that accepts an event, as a run started before it ended waits for it. The embedded
/// queue starts an idle worker's run as the event is accepted (SqliteRunQueue.HandOff.cs), beside the accepting
/// COMMIT: the run reads its rule, evaluates its conditions, reads its connection, opens its credential and renders its
/// request meanwhile, and waits here before anything leaves the process or is written: every egress call
/// (<see cref="GuardedHttpClient"/>), a step of any kind but <c>http</c> (which waits just before its send), a
/// Jira read or loop check before the steps, and the run's own records. When the transaction does not commit (it
/// failed, was withdrawn, or kept the row waiting for the claim loop), the wait ends in a cancellation and the run
/// stops there, having sent and written nothing: the event is either accepted and run, or refused and never run.
/// The wait is ambient to the run (<see cref="Enter"/>), so code below the run needs no parameter for it.
/// </summary>
internal sealed class AcceptCommit : IDisposable
{
    private const int Pending = 0, Committed = 1, Withdrawn = 2;
    private static readonly AsyncLocal<AcceptCommit?> Ambient = new();
    private readonly TaskCompletionSource<bool> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _withdrawn = new();
    private readonly Func<bool> _mayRun;
    private int _state;

    /// <param name="mayRun">Asked at the commit: false (the worker began to drain meanwhile) turns it into a withdrawal; the committed row stays leased and runs on the next start.</param>
    public AcceptCommit(Func<bool> mayRun)
    {
        _mayRun = mayRun;
        WithdrawnToken = _withdrawn.Token; // kept: a token stays readable after its source is disposed, the property does not
    }

    /// <summary>Called once, first thing, when this is withdrawn (the worker forgets the run there and then).</summary>
    public Action? Withdrawing { get; set; }

    /// <summary>Cancelled when the transaction did not commit; the run links it into its own token.</summary>
    public CancellationToken WithdrawnToken { get; }

    /// <summary>True once committed, false once withdrawn; never faults.</summary>
    public Task<bool> Settled => _settled.Task;

    /// <summary>On the queue's writer thread, after the COMMIT that wrote the row leased to this run.</summary>
    public void Commit()
    {
        if (!_mayRun())
        {
            Withdraw();
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Committed, Pending) == Pending)
        {
            _settled.TrySetResult(true);
        }
    }

    /// <summary>The transaction failed, was withdrawn, or wrote the row waiting: the run stops at its next wait.</summary>
    public void Withdraw()
    {
        if (Interlocked.CompareExchange(ref _state, Withdrawn, Pending) != Pending)
        {
            return;
        }

        Withdrawing?.Invoke();
        try
        {
            _withdrawn.Cancel(); // before the result, so a waiter's token is already cancelled when it wakes
        }
        catch (AggregateException)
        {
            // A callback registered on the run's token failed: the run still stops at its wait below.
        }

        _settled.TrySetResult(false);
    }

    /// <summary>Makes <paramref name="accept"/> the wait of the calling run and of everything it calls (null: none).</summary>
    public static void Enter(AcceptCommit? accept) => Ambient.Value = accept;

    /// <summary>
    /// Waits, when the caller belongs to a run started before its accept committed, for that commit; throws
    /// <see cref="OperationCanceledException"/> when it was withdrawn. Costs one read otherwise.
    /// </summary>
    public static ValueTask WaitAsync(CancellationToken ct)
    {
        var accept = Ambient.Value;
        return accept is null || Volatile.Read(ref accept._state) == Committed ? ValueTask.CompletedTask : accept.WaitSlowAsync(ct);
    }

    private async ValueTask WaitSlowAsync(CancellationToken ct)
    {
        if (!await _settled.Task.WaitAsync(ct).ConfigureAwait(false))
        {
            throw new OperationCanceledException("The event's accepting transaction did not commit.", null, WithdrawnToken);
        }
    }

    public void Dispose() => _withdrawn.Dispose();
}
