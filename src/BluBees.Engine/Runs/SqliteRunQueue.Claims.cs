using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>Claiming messages: the fair pick across tenants, leases and their renewal.</summary>
public sealed partial class SqliteRunQueue
{
    /// <summary>
    /// On start: the previous process is gone, so every lease it held is reclaimed at once, and each message it held
    /// is marked a suspect (it may be the one that took the process down: each runs alone, see
    /// SqliteRunQueue.Suspects.cs). Returns how many.
    /// </summary>
    public async Task<int> ReclaimAllAsync(CancellationToken ct)
    {
        _backlog = true;
        StartSuspicion();
        return await _writer.RunAsync(w =>
        {
            StartSuspicion(); // again on the writer's thread: a claim that read the old deadline cannot clear the flag after this
            return w.Command("UPDATE run_queue SET lease_until = NULL, suspect = 1 WHERE lease_until IS NOT NULL;").ExecuteNonQuery();
        }, ct);
    }

    /// <summary>
    /// Leases the oldest claimable message (never leased, or its lease expired) of the next tenant after
    /// <paramref name="after"/> in tenant order (round-robin), skipping <paramref name="busyTenants"/>
    /// (tenants at their concurrency cap). Counts the delivery in <see cref="ClaimedMessage.Attempts"/>.
    /// </summary>
    /// <remarks>A suspect is claimed only when <paramref name="busyTenants"/> is empty (nothing else runs).</remarks>
    public async Task<ClaimedMessage?> ClaimAsync(IReadOnlyCollection<string> busyTenants, string? after, CancellationToken ct)
    {
        var busy = busyTenants.ToHashSet(StringComparer.Ordinal);
        var claimed = await ClaimManyAsync(1, tenant => !busy.Contains(tenant), static _ => { }, () => busy.Count == 0, after, ct);
        return claimed.Count == 0 ? null : claimed[0];
    }

    /// <summary>
    /// Up to <paramref name="max"/> claims in ONE write transaction, each exactly as <see cref="ClaimAsync"/> would
    /// make them one after another: round-robin from <paramref name="after"/>, and a tenant that reaches
    /// <paramref name="perTenantLimit"/> runs (counting <paramref name="inFlight"/> and the claims of this batch) is
    /// skipped for the rest of the batch. Why a batch: the worker's claim loop is serial, and each claim waits for a
    /// group commit; under concurrent ingress that wait (a few ms) capped the whole worker at one run per claim
    /// round trip, whatever its concurrency (docs/benchmarks.md, "Batched claims"). A suspect is claimed only when
    /// <paramref name="inFlight"/> counts no run, and alone.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedMessage>> ClaimManyAsync(
        int max, IReadOnlyDictionary<string, int> inFlight, int perTenantLimit, string? after, CancellationToken ct)
    {
        var shares = new TenantShares(perTenantLimit, inFlight);
        var idle = inFlight.Values.All(n => n <= 0);
        return await ClaimManyAsync(max, shares.TryClaim, tenant => shares.Give(tenant), () => idle, after, ct);
    }

    /// <summary>
    /// Up to <paramref name="max"/> claims in one write transaction, round-robin from <paramref name="after"/>. A
    /// tenant is claimed for only when <paramref name="tryTake"/> grants it a share; it runs on the writer thread,
    /// inside the transaction, so the worker's shares are exact (<see cref="TenantShares"/>). Shares of claims that
    /// did not commit are given back with <paramref name="give"/>. While suspects may exist (SqliteRunQueue.Suspects.cs)
    /// they decide first: a suspect waits until <paramref name="idle"/> (on the writer thread: the worker runs nothing),
    /// and is claimed alone.
    /// </summary>
    internal async Task<IReadOnlyList<ClaimedMessage>> ClaimManyAsync(
        int max, Func<string, bool> tryTake, Action<string> give, Func<bool> idle, string? after, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var now = NowMs;
        var claimed = new List<ClaimedMessage>(max);
        try
        {
            await _writer.RunAsync(w =>
            {
                if (_suspects && ClaimUnderSuspicion(w, tryTake, give, idle, now, out var alone))
                {
                    if (alone is not null)
                    {
                        claimed.Add(alone);
                    }

                    _backlog = AnyClaimable(w, now);
                    return true;
                }

                var next = after;
                while (claimed.Count < max && ClaimOne(w, tryTake, give, next, now) is { } one)
                {
                    claimed.Add(one);
                    next = one.TenantId;
                }

                _backlog = AnyClaimable(w, now);
                return true;
            }, ct);
        }
        catch
        {
            claimed.ForEach(c =>
            {
                give(c.TenantId);
                if (c.Suspect)
                {
                    EndAlone(c.Id);
                }
            });
            throw;
        }

        return claimed;
    }

    /// <summary>
    /// The round-robin pick by index seeks on <c>run_queue_by_tenant</c>: the next tenant after
    /// <paramref name="after"/> (then from the first, up to and including <paramref name="after"/>) that is not busy
    /// and has a claimable message. Each step is one seek (<c>MIN(tenant) … &gt; cursor</c>), so a claim costs the
    /// tenants it passes, not the queue's depth (a GROUP BY over every queued row did, which slowed claims as a burst
    /// deepened the queue).
    /// </summary>
    private ClaimedMessage? ClaimOne(SqliteWriter w, Func<string, bool> tryTake, Action<string> give, string? after, long now)
    {
        var cursor = after ?? string.Empty;
        var wrapped = after is null;

        while (true)
        {
            var seek = wrapped && after is not null
                ? w.Command("SELECT MIN(tenant) FROM run_queue WHERE tenant > $cursor AND tenant <= $after;")
                : w.Command("SELECT MIN(tenant) FROM run_queue WHERE tenant > $cursor;");
            seek.Parameters.AddWithValue("$cursor", cursor);
            if (wrapped && after is not null)
            {
                seek.Parameters.AddWithValue("$after", after);
            }

            if (seek.ExecuteScalar() is not string tenant)
            {
                if (wrapped)
                {
                    return null;
                }

                wrapped = true;
                cursor = string.Empty;
                continue;
            }

            cursor = tenant;
            if (tryTake(tenant))
            {
                if (ClaimOldest(w, tenant, now) is { } claimed)
                {
                    return claimed;
                }

                give(tenant);
            }
        }
    }

    private ClaimedMessage? ClaimOldest(SqliteWriter w, string tenant, long now)
    {
        var claim = w.Command("""
            UPDATE run_queue SET lease_until = $until, attempts = attempts + 1
            WHERE seq = (SELECT seq FROM run_queue WHERE tenant = $tenant AND (lease_until IS NULL OR lease_until <= $now) ORDER BY seq LIMIT 1)
            RETURNING id, tenant, source, rule_id, attempts, enqueued_at, body, drains;
            """);
        claim.Parameters.AddWithValue("$until", LeaseUntil(now));
        claim.Parameters.AddWithValue("$tenant", tenant);
        claim.Parameters.AddWithValue("$now", now);
        using var reader = claim.ExecuteReader();
        ClaimedMessage? claimed = null;
        if (reader.Read())
        {
            claimed = new ClaimedMessage(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6))
            {
                Drains = reader.GetInt32(7),
            };
        }

        // RETURNING: the row is only written once the statement has been stepped to its end.
        while (reader.Read())
        {
        }

        return claimed;
    }

    /// <summary>Renews the lease of a message still running. Returns false when the message is no longer there.</summary>
    public async Task<bool> RenewAsync(string messageId, CancellationToken ct)
    {
        var until = LeaseUntil(NowMs);
        return await _writer.RunAsync(w =>
        {
            var command = w.Command("UPDATE run_queue SET lease_until = $until WHERE id = $id;");
            command.Parameters.AddWithValue("$until", until);
            command.Parameters.AddWithValue("$id", messageId);
            return command.ExecuteNonQuery() == 1;
        }, ct);
    }
}
