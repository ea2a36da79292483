using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// Suspects: the messages that were leased when the previous process died (<see cref="ReclaimAllAsync"/> marks them,
/// column <c>suspect</c>). One of them may have taken the process down (an OOM kill, a step that crashes the
/// runtime); which one is not known, so each runs alone. Every delivery is counted before its run starts, so a message
/// that kills the process every time it runs is bounded by <see cref="Execution.RunOptions.MaxAttempts"/>; but while
/// suspects ran in batches, every message leased beside it at a crash lost a delivery too, and after as many crashes an
/// innocent message ended <c>delivery_exhausted</c> without its steps having run. Now a suspect is claimed only when
/// the worker runs nothing else, and while it runs nothing else is claimed or handed off; while one waits for the runs
/// in flight to end, nothing else is claimed either (the other messages stay queued, accepts are still answered). So
/// a poison message costs only its own deliveries after the first crash, and a batch-mate loses one at most. The
/// worker ends a suspect's running alone after <see cref="Execution.RunOptions.SuspectAloneSeconds"/> (<see cref="EndAlone"/>,
/// RunWorker.SuspectWindow.cs), and the suspects run alone for at most <see cref="Execution.RunOptions.SuspectAloneTotalSeconds"/>
/// in all from the worker's start (<see cref="SuspectsAloneUntil"/>), so one tenant's hanging runs do not hold every
/// other tenant's events back after a crash, neither for one window nor for one window per message it had in flight.
/// </summary>
/// <remarks>
/// The mark is durable: a crash while a suspect runs leaves it (and the suspects still waiting) marked, and the
/// messages that waited unleased are not marked. A drain's give-back (<see cref="ReleaseAsync"/>) is no crash and marks
/// nothing. Cost: none on the usual path. <see cref="_suspects"/> says whether suspects may exist (set on open and at
/// the reclaim, cleared by the first claim that finds none), and only while it is set does a claim read the
/// suspects (one statement on the partial index <c>run_queue_suspects</c>).
/// </remarks>
public sealed partial class SqliteRunQueue
{
    private volatile bool _suspects = true;
    private readonly Lock _aloneLock = new();
    private volatile string? _alone;
    private long _aloneUntil; // unix ms: past it, suspects no longer run alone (Runs:SuspectAloneTotalSeconds)

    /// <summary>
    /// Until when suspects run alone: <see cref="Execution.RunOptions.SuspectAloneTotalSeconds"/> after the queue opened,
    /// then after the worker's reclaim (its start). Past it, the claims no longer read the suspects: the ones still
    /// waiting are claimed like any message, beside the others, and the worker ends the running suspect's window.
    /// </summary>
    internal DateTimeOffset SuspectsAloneUntil => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _aloneUntil));

    /// <summary>Starts the suspects' total time alone (on open and at the reclaim).</summary>
    private void StartSuspicion()
    {
        Interlocked.Exchange(ref _aloneUntil, NowMs + (_options.SuspectAloneTotalSeconds * 1000L));
        _suspects = true;
    }

    /// <summary>Whether suspects may still be queued (false once a claim found none).</summary>
    internal bool SuspectsMayExist => _suspects;

    /// <summary>Whether a suspect was claimed and has not ended yet: nothing else is claimed or handed off.</summary>
    internal bool Alone => _alone is not null;

    /// <summary>The suspect <paramref name="messageId"/> has ended (finished, given back, or its run stopped): claims resume.</summary>
    internal void EndAlone(string messageId)
    {
        if (_alone is null)
        {
            return; // the usual case: no lock taken
        }

        lock (_aloneLock)
        {
            if (string.Equals(_alone, messageId, StringComparison.Ordinal))
            {
                _alone = null;
            }
        }
    }

    /// <summary>
    /// In the claim's transaction, while suspects may exist: true when the suspects decide this claim, which then
    /// makes <paramref name="claimed"/> at most; false when the claim is the usual batch. A suspect running alone
    /// claims nothing. The oldest suspect that is claimable waits until <paramref name="idle"/> (nothing runs), then
    /// its tenant's oldest claimable message is claimed, alone: the suspect itself, or a message of its tenant queued
    /// before it (per-tenant order: a tenant's younger messages are never claimed before it). Suspects that are all
    /// leased (a run that ended without finishing its message: the lease runs out first) leave the usual batch to it.
    /// </summary>
    private bool ClaimUnderSuspicion(SqliteWriter w, Func<string, bool> tryTake, Action<string> give, Func<bool> idle, long now, out ClaimedMessage? claimed)
    {
        claimed = null;
        if (now >= Interlocked.Read(ref _aloneUntil))
        {
            // Their total time alone is spent: one tenant's hanging suspects held every other tenant back, each for its
            // own window, one after another. The rest are claimed in the usual batch (their mark stays until they finish).
            _suspects = false;
            return false;
        }

        if (_alone is not null)
        {
            return true;
        }

        var find = w.Command("""
            SELECT id, tenant, lease_until IS NULL OR lease_until <= $now FROM run_queue WHERE suspect = 1
            ORDER BY 3 DESC, seq LIMIT 1;
            """);
        find.Parameters.AddWithValue("$now", now);
        string suspect, tenant;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read())
            {
                _suspects = false;
                return false;
            }

            if (reader.GetInt64(2) == 0)
            {
                return false;
            }

            (suspect, tenant) = (reader.GetString(0), reader.GetString(1));
        }

        if (!idle() || !tryTake(tenant))
        {
            return true;
        }

        claimed = ClaimOldest(w, tenant, now);
        if (claimed is null)
        {
            give(tenant);
        }
        else if (string.Equals(claimed.Id, suspect, StringComparison.Ordinal))
        {
            claimed = claimed with { Suspect = true };
            lock (_aloneLock)
            {
                _alone = claimed.Id;
            }
        }

        return true;
    }
}
