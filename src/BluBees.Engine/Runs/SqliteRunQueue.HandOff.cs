namespace BluBees.Engine.Runs;

/// <summary>
/// The direct hand-off (<see cref="IRunHandOff"/>): an event accepted while the worker is idle enough runs from
/// memory, its row written leased in the accepting transaction. Only when nothing claimable waits, so that a
/// handed-off event never overtakes an older one or another tenant's turn.
/// </summary>
public sealed partial class SqliteRunQueue
{
    private IRunHandOff? _handOff;
    private volatile bool _backlog = true;

    /// <summary>
    /// Whether the last claim left claimable messages behind, or a message was queued or given back since. The
    /// worker wakes its claim loop after a run only then; an idle worker's runs would otherwise each cost an empty
    /// claim transaction. (Expired leases are found by the loop's poll.)
    /// </summary>
    internal bool Backlog => _backlog;

    /// <summary>Writes handed to the group-commit writer so far (for tests: an accept has reached the writer, behind a held write lock).</summary>
    internal long WritesSubmitted => _writer.Submitted;

    /// <summary>The worker attaches itself after it has reclaimed the previous process's leases, and detaches when it stops.</summary>
    internal void Attach(IRunHandOff? handOff) => Volatile.Write(ref _handOff, handOff);

    /// <summary>
    /// On the writer thread, inside the accepting transaction: whether this message's row is written leased. Never
    /// while a suspect runs alone (SqliteRunQueue.Suspects.cs), nor while one waits (it is claimable).
    /// </summary>
    private bool TryLease(Storage.SqliteWriter w, IRunHandOff? handOff, string tenant)
        => handOff is not null && _alone is null && !AnyClaimable(w, NowMs) && handOff.TryReserve(tenant);

    private static bool AnyClaimable(Storage.SqliteWriter w, long now)
    {
        var command = w.Command("SELECT EXISTS (SELECT 1 FROM run_queue WHERE lease_until IS NULL OR lease_until <= $now);");
        command.Parameters.AddWithValue("$now", now);
        return (long)command.ExecuteScalar()! != 0;
    }

    /// <summary>
    /// Before the accepting transaction, when nothing is known to wait and the worker has room: the message's run starts
    /// now, beside the COMMIT, and waits for it before it sends or writes anything (<see cref="Egress.AcceptCommit"/>);
    /// the transaction then decides (<see cref="KeepsEarlyStart"/>) and <see cref="Settle"/>s it. Null: the run starts, if
    /// at all, after the COMMIT (<see cref="TryLease"/>). What this saves is the run's preparation (rule, conditions,
    /// connection, credential, render), which overlapped the commit instead of following it (docs/benchmarks.md).
    /// </summary>
    private Egress.AcceptCommit? StartEarly(IRunHandOff? handOff, PreparedMessage m, RunMessage message)
        => handOff is null || _alone is not null || _backlog ? null : handOff.TryStartEarly(Claimed(m), message);

    /// <summary>Inside the accepting transaction of a run started early: whether its row is written leased to it (else it waits, and the run stops).</summary>
    private bool KeepsEarlyStart(Storage.SqliteWriter w) => _alone is null && !AnyClaimable(w, NowMs);

    /// <summary>
    /// On the writer's thread, right after the accepting COMMIT and before any later write (a claim) runs: an early run
    /// is settled, and a message written waiting is kept opened for its claim (<see cref="OpenedMessages"/>).
    /// </summary>
    private void Committed(Egress.AcceptCommit? early, bool leased, bool accepted, PreparedMessage m, RunMessage message)
    {
        if (early is not null)
        {
            Settle(early, leased);
        }

        if (accepted && !leased)
        {
            _opened.Keep(m.Id, m.TenantId, m.Body, message);
        }
    }

    /// <summary>On the writer's thread, right after the COMMIT: the early run goes on when its row was written leased to it.</summary>
    private static void Settle(Egress.AcceptCommit early, bool leased)
    {
        if (leased)
        {
            early.Commit();
        }
        else
        {
            early.Withdraw();
        }
    }

    /// <summary>The accepting transaction failed or was withdrawn: what it reserved goes back, an early run stops unsent.</summary>
    private static void NotCommitted(IRunHandOff? handOff, Egress.AcceptCommit? early, bool leased, string tenant)
    {
        if (early is not null)
        {
            early.Withdraw(); // its slot and share go back when the run sees it
        }
        else if (leased)
        {
            handOff!.Unreserve(tenant);
        }
    }

    /// <summary>After the accepting COMMIT: run the leased message (unless it started early), or wake the claim loop for the waiting one.</summary>
    private void Accepted(IRunHandOff? handOff, Egress.AcceptCommit? early, bool leased, PreparedMessage m, RunMessage message)
    {
        if (!leased)
        {
            Wake();
            return;
        }

        if (early is null)
        {
            handOff!.Start(Claimed(m), message);
        }
    }

    private static ClaimedMessage Claimed(PreparedMessage m)
        => new(m.Id, m.TenantId, m.Source, m.RuleId, 1, DateTimeOffset.FromUnixTimeMilliseconds(m.EnqueuedAtMs), m.Body);
}
