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

    /// <summary>After the accepting COMMIT: run the leased message, or wake the claim loop for the waiting one.</summary>
    private void Accepted(IRunHandOff? handOff, bool leased, PreparedMessage m, RunMessage message)
    {
        if (!leased)
        {
            Wake();
            return;
        }

        var claimed = new ClaimedMessage(m.Id, m.TenantId, m.Source, m.RuleId, 1, DateTimeOffset.FromUnixTimeMilliseconds(m.EnqueuedAtMs), m.Body);
        handOff!.Start(claimed, message);
    }
}
