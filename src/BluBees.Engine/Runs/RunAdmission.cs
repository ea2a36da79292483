namespace BluBees.Engine.Runs;

/// <summary>
/// How many runs each tenant holds in the worker, against <see cref="Execution.RunOptions.PerTenantConcurrency"/>.
/// Shares are taken only on the queue's writer thread (inside the claim or the accepting transaction, see
/// <see cref="SqliteRunQueue"/>), so a check and its take cannot interleave with another take; they are given back
/// from any thread when a run ends. That keeps the cap exact when a claim and a direct hand-off race.
/// </summary>
internal sealed class TenantShares(int cap, IReadOnlyDictionary<string, int>? held = null)
{
    private readonly Dictionary<string, int> _held = held is null ? new(StringComparer.Ordinal) : new(held, StringComparer.Ordinal);
    private readonly HashSet<string> _refusedClaims = new(StringComparer.Ordinal);

    public bool TryTake(string tenant) => TryTake(tenant, claim: false);

    /// <summary>
    /// <see cref="TryTake(string)"/> for the claim loop, which remembers a refusal: the claim then ends without that
    /// tenant's message and the loop sleeps until woken, so the <see cref="Give"/> that frees the share must wake it
    /// (see <see cref="Give"/>).
    /// </summary>
    public bool TryClaim(string tenant) => TryTake(tenant, claim: true);

    /// <summary>
    /// Gives a share back. True when a claim was refused this tenant's share since its last give: the caller wakes
    /// the claim loop, whatever the queue's backlog flag says. The flag is written at the end of the claim's
    /// transaction, so a run ending between the refusal and that write read the flag of the claim before, found no
    /// backlog, and woke nobody: the message then waited for the loop's poll (up to a second), or forever on a
    /// clock that does not move.
    /// </summary>
    public bool Give(string tenant)
    {
        lock (_held)
        {
            if (_held.TryGetValue(tenant, out var held))
            {
                if (held <= 1)
                {
                    _held.Remove(tenant);
                }
                else
                {
                    _held[tenant] = held - 1;
                }
            }

            return _refusedClaims.Remove(tenant);
        }
    }

    private bool TryTake(string tenant, bool claim)
    {
        lock (_held)
        {
            var held = _held.GetValueOrDefault(tenant);
            if (held >= cap)
            {
                if (claim)
                {
                    _refusedClaims.Add(tenant);
                }

                return false;
            }

            _held[tenant] = held + 1;
            return true;
        }
    }
}

/// <summary>
/// The worker side of a direct hand-off: when an event is accepted while the worker has a free slot, its tenant is
/// below its cap and nothing claimable waits in the queue, the accepting transaction writes the message already
/// leased and the worker runs it from memory: no claim transaction, no decryption of the message just encrypted,
/// no wake-up of the claim loop. The row is as durable as any other (a crash leaves it leased; the next start
/// reclaims it). <see cref="TryReserve"/> runs on the queue's writer thread inside that transaction.
/// </summary>
internal interface IRunHandOff
{
    /// <summary>Takes a worker slot and a share of <paramref name="tenant"/>, or nothing (false).</summary>
    bool TryReserve(string tenant);

    /// <summary>Gives back what <see cref="TryReserve"/> took (the transaction did not commit).</summary>
    void Unreserve(string tenant);

    /// <summary>Runs a message whose row was committed leased, with its decrypted body.</summary>
    void Start(ClaimedMessage claimed, RunMessage message);
}
