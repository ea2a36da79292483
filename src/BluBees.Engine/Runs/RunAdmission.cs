namespace BluBees.Engine.Runs;

/// <summary>
/// How many runs each tenant holds in the worker, against <see cref="Execution.RunOptions.PerTenantConcurrency"/>.
/// Shares are taken only on the queue's writer thread (inside the claim or the accepting transaction, see
/// <see cref="SqliteRunQueue"/>), so a check and its take cannot interleave with another take; they are given back
/// from any thread when a run ends. That keeps the cap exact when a claim and a direct hand-off race.
/// </summary>
/// <remarks>
/// A per-tenant cap alone lets a few tenants together hold every worker: with the defaults (16 workers, 8 per
/// tenant), two tenants whose third party hangs hold all 16, and every other tenant waits for their timeouts. So when
/// <paramref name="workers"/> is given, <see cref="Reserve"/> workers are kept for tenants that have nothing
/// running: a tenant that already holds a share takes another only while more than the reserve stays free.
/// </remarks>
internal sealed class TenantShares(int cap, IReadOnlyDictionary<string, int>? held = null, int? workers = null)
{
    private readonly Dictionary<string, int> _held = held is null ? new(StringComparer.Ordinal) : new(held, StringComparer.Ordinal);
    private readonly HashSet<string> _refusedClaims = new(StringComparer.Ordinal);
    private readonly int _busyLimit = workers is { } w ? w - Reserve(w, cap) : int.MaxValue;
    private int _total = held?.Values.Sum() ?? 0;
    private bool _refusedForReserve;

    /// <summary>
    /// The workers kept for tenants with nothing running: an eighth of the workers, at least one, and never so many
    /// that a single tenant could not reach its cap (none when the cap is every worker).
    /// </summary>
    public static int Reserve(int workers, int cap) => Math.Min(Math.Max(1, workers / 8), Math.Max(0, workers - cap));

    public bool TryTake(string tenant) => TryTake(tenant, claim: false);

    /// <summary>Whether no tenant holds a share (no run before its steps ended, no reserved hand-off).</summary>
    public bool None => Total == 0;

    /// <summary>How many shares are held, every tenant's together.</summary>
    public int Total
    {
        get
        {
            lock (_held)
            {
                return _total;
            }
        }
    }

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
                _total--;
                if (held <= 1)
                {
                    _held.Remove(tenant);
                }
                else
                {
                    _held[tenant] = held - 1;
                }
            }

            // A claim refused for the reserve waits for any tenant's run to end, not for its own.
            var reserveRefused = _refusedForReserve;
            _refusedForReserve = false;
            return _refusedClaims.Remove(tenant) | reserveRefused;
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

            if (held > 0 && _total >= _busyLimit)
            {
                _refusedForReserve |= claim;
                return false;
            }

            _held[tenant] = held + 1;
            _total++;
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

    /// <summary>
    /// Takes a worker slot and a share of the message's tenant and starts its run before its accepting transaction
    /// commits; the run sends and writes nothing until the returned commit is settled (committed: it runs; withdrawn: it
    /// stops and gives both back). Null: nothing taken, nothing started.
    /// </summary>
    Egress.AcceptCommit? TryStartEarly(ClaimedMessage claimed, RunMessage message) => null;
}
