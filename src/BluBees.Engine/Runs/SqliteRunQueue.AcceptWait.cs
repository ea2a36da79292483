using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Runs;

/// <summary>
/// How long an accept waits for the group-commit writer to begin its transaction. The writer's <c>BEGIN IMMEDIATE</c>
/// waits for SQLite's write lock up to the connection's command timeout (30 s, the busy timeout of 5 s once per try),
/// and the writes queued behind a batch wait for it too, so while another process held the lock (an operator's
/// <c>sqlite3</c> shell, a backup tool) an accept was answered only once the lock came free — a 202 after 50 s was
/// seen, and with more than one batch waiting the wait grew by 30 s per batch — or with a 503 after 30 to 60 s, long
/// after the sender had given up. Now an accept that has not begun within its source's wait (<see cref="LockWaitFor"/>) is withdrawn
/// (<see cref="SqliteWriter.RunUnlessWithdrawnAsync{T}"/>: it never runs, so nothing of it is kept) and answered 503
/// with <c>Retry-After</c> as the store being busy, and Forge's retry is accepted once the lock is free
/// (<c>LockedQueueAcceptTests</c>). A request the client gave up on is withdrawn alike while it waits. The worker's
/// claims and finishes keep waiting as before (a finish given up would run its steps again).
/// </summary>
public sealed partial class SqliteRunQueue
{
    /// <summary>Two busy timeouts: the batch in progress, then this accept's own. For every source but Forge's events.</summary>
    public static readonly TimeSpan AcceptLockWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A Forge event's accept waits less: Forge gives a remote backend 5 s to answer an event ("remote invocations will
    /// have a timeout of 5 seconds", https://developer.atlassian.com/platform/forge/remote/sending-product-events/; "Runtime
    /// seconds (events invoked by Forge Remote): 5", https://developer.atlassian.com/platform/forge/limits-invocation/).
    /// With the 10 s of the other sources (a web trigger gets 55 s, a scheduled trigger and the UI 25 s) the 503 came after
    /// Forge had given up on the delivery: it retried anyway, so nothing was lost, but the answer reached no one
    /// (<c>ForgeEventLockWaitTests</c>).
    /// </summary>
    public static readonly TimeSpan EventAcceptLockWait = TimeSpan.FromSeconds(3);

    /// <summary>How long an accept from <paramref name="source"/> waits for its transaction (and each store write before it, <see cref="StoreWriteWait"/>).</summary>
    public static TimeSpan LockWaitFor(Execution.RunSource source)
        => source == Execution.RunSource.Event ? EventAcceptLockWait : AcceptLockWait;

    private AcceptDeadline AcceptWait(Execution.RunSource source, CancellationToken ct) => new(_time, LockWaitFor(source), ct);

    private static SqliteException AcceptLockBusy()
        => new("The run queue's write did not begin within the accept's wait (the SQLite write lock stayed busy); nothing was kept.", 5 /* SQLITE_BUSY */);

    /// <summary>The caller's token, cancelled also at the source's wait (<see cref="LockWaitFor"/>) on the injected clock.</summary>
    private sealed class AcceptDeadline : IDisposable
    {
        private readonly CancellationTokenSource _deadline;
        private readonly CancellationTokenRegistration _caller;

        public AcceptDeadline(TimeProvider time, TimeSpan wait, CancellationToken ct)
        {
            _deadline = new CancellationTokenSource(wait, time);
            _caller = ct.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _deadline);
        }

        public CancellationToken Token => _deadline.Token;

        /// <summary>Whether the wait ran out (and not the caller's own token).</summary>
        public bool TimedOut(CancellationToken caller) => _deadline.IsCancellationRequested && !caller.IsCancellationRequested;

        public void Dispose()
        {
            _caller.Dispose();
            _deadline.Dispose();
        }
    }
}
