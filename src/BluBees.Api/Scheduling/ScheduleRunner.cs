using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Engine.Common;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Execution;

namespace BluBees.Api.Scheduling;

/// <summary>The outcome of one scheduled trigger.</summary>
internal sealed record ScheduleResult(int Queued, bool Busy);

/// <summary>
/// Queues the tenant's due schedule rules. A cron rule's due occurrences are fired by <see cref="CronTicks"/>. A
/// legacy <c>everyHours</c> rule is due when its last fire is at least <c>everyHours</c> ago, less
/// <see cref="Tolerance"/> (Forge's trigger jitters). Its last fire is stored under <see cref="Keys.ScheduleFire"/>.
/// A due interval is handed to the ingress with a de-duplication key named after the fire it follows
/// (<see cref="Keys.ScheduleInterval"/>), and the last fire is recorded only after the hand-over (as a cron rule's
/// cursor): a Forge retry, a concurrent delivery or the delivery after a crash between the two hands over the same
/// key, which the ingress queues once; a full queue keeps nothing, so the retry fires it.
/// </summary>
internal sealed partial class ScheduleRunner(
    RuleService rules, IStore store, EventIngestor ingress, TenantService tenants, CronTicks cron, IRuleRunHistory history, TimeProvider time,
    ILogger<ScheduleRunner> logger)
{
    public const string EventType = "blubees:schedule";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long one delivery walks the tenant's rules (on the injected clock) before it begins no further rule and
    /// answers: inside the 25 s Forge allows a remote invocation
    /// (https://developer.atlassian.com/platform/forge/limits-invocation/), after which Forge cancels the request.
    /// </summary>
    public static readonly TimeSpan WalkBudget = TimeSpan.FromSeconds(20);
    private const string TriggerType = "schedule";

    public static string FireKey(string ruleId) => Keys.ScheduleFire(ruleId);

    public async Task<ScheduleResult> FireDueAsync(TenantContext tenant, string? systemToken, CancellationToken ct)
    {
        // Every store write of the trigger (the tenant's record on its first call, a rule's hand-over marker and last
        // fire, a cron rule's cursor, the turn record; the ingress bounds its own) waits for the embedded file's write
        // lock no longer than an event's accept does. While another process held it, each waited the connection's 30 s,
        // past the 25 s Forge allows a remote invocation ("Runtime seconds ... 25",
        // https://developer.atlassian.com/platform/forge/limits-invocation/), so the call failed with no answer instead
        // of a 503 with Retry-After; nothing the refused trigger kept stops the next tick (ScheduledLockedStoreTests).
        using var bound = StoreWriteWait.Bound(SqliteRunQueue.AcceptLockWait);
        await tenants.EnsureAsync(tenant, ct);
        var now = time.GetUtcNow();
        var partition = store.ForTenant(tenant.Id);
        // The event path's read (stamp, then cached heads): every tenant's every tick, so not a query of every head.
        var scheduled = (await rules.ListHeadsForRunAsync(tenant.Id, ct)).Where(h => h.Enabled && h.TriggerType == TriggerType).ToList();
        var turn = await ScheduleTurn.ReadAsync(partition, ct);
        var queued = 0;
        // A rule's JQL search waits on Jira (each page up to Jira:ActionTimeoutSeconds). Several slow searches took the
        // walk past Forge's limit, Forge cancelled the request, and the walk ended there recording nothing: the next
        // delivery began with the same rules again, so the rules after them never fired for as long as Jira stayed slow
        // (SlowSearchTurnTests). Now no rule begins once the walk has taken WalkBudget, and a walk stopped there or
        // cancelled records where it stopped, as a refused hand-over does: the next delivery starts after the rules
        // that had their turn. What a cancelled rule handed over is de-duplicated as after a crash; its cursor is kept.
        string? last = null;
        foreach (var head in turn.Order(scheduled))
        {
            if (last is not null && time.GetUtcNow() - now >= WalkBudget)
            {
                // Every delivery gives at least one rule its turn; the next starts with this one.
                await ScheduleTurn.PassAsync(partition, last, now, ct);
                LogOutOfTime(logger, queued, head.Id);
                return new ScheduleResult(queued, Busy: false);
            }

            ScheduleResult fired;
            try
            {
                fired = head.EveryHours < 1
                    ? await FireCronAsync(tenant, head, systemToken, now, ct)
                    : await FireIntervalAsync(tenant, partition, head, systemToken, now, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The caller gave up (Forge's limit) during this rule's turn: the next delivery starts after it.
                await ScheduleTurn.PassAsync(partition, head.Id, now, CancellationToken.None);
                LogCancelled(logger, queued, head.Id);
                throw;
            }

            last = head.Id;
            queued += fired.Queued;
            if (fired.Busy)
            {
                // The tenant's share of the queue is full. Forge does not retry a scheduled trigger that fails: "the
                // function invocation will not be retried. The function will be invoked the next time the schedule is
                // due" (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/),
                // so the next tick is the retry, and it starts after this rule (ScheduleTurn): the room freed meanwhile
                // goes to each due rule in turn, not always to the first ones.
                await ScheduleTurn.PassAsync(partition, head.Id, now, ct);
                LogBusy(logger, queued, head.Id);
                return new ScheduleResult(queued, Busy: true);
            }
        }

        await turn.CompleteAsync(partition, ct);
        LogFired(logger, queued);
        return new ScheduleResult(queued, Busy: false);
    }

    private async Task<ScheduleResult> FireCronAsync(TenantContext tenant, RuleHead head, string? systemToken, DateTimeOffset now, CancellationToken ct)
    {
        if (await rules.LoadCompiledAsync(tenant.Id, head, ct) is { Trigger.Schedule: { IsCron: true } schedule })
        {
            var fired = await cron.FireAsync(tenant, head, schedule, systemToken, now, ct);
            return new ScheduleResult(fired.Queued, fired.Busy);
        }

        // Saved valid, but its stored version no longer compiles here (e.g. its time zone was dropped from the
        // server's tzdata by an update): it cannot fire until it is saved again. Said at each tick, not skipped in silence.
        if (await rules.InvalidPathsAsync(tenant.Id, head, ct) is { Count: > 0 } paths)
        {
            LogUncompilable(logger, head.Id, head.Version, string.Join(", ", paths));
        }

        return new ScheduleResult(0, Busy: false);
    }

    /// <summary>Hands an <c>everyHours</c> rule's due interval over (see the class summary); Busy when the queue refused it.</summary>
    private async Task<ScheduleResult> FireIntervalAsync(TenantContext tenant, TenantStore partition, RuleHead head, string? systemToken, DateTimeOffset now, CancellationToken ct)
    {
        var previous = await partition.GetAsync(FireKey(head.Id), ct);
        var state = previous is null ? null : StoredJson.ReadTolerant<LastFire>(previous.Data);
        var lastFire = await ResolveAsync(tenant, head.Id, state, now, ct);
        if (previous is not null && state?.HandingOverAt is { } handedAt && lastFire == handedAt)
        {
            // Recovered from the rule's last run: record it, so it no longer depends on that record's life.
            var settled = partition.Item(FireKey(head.Id), StoredJson.Write(new LastFire(handedAt)), Expiry(head, handedAt));
            previous = await partition.PutIfRevisionAsync(settled, previous.Revision, ct) ? settled with { Revision = previous.Revision + 1 } : previous;
        }

        if (lastFire is { } last && now - last < TimeSpan.FromHours(head.EveryHours) - Tolerance)
        {
            return new ScheduleResult(0, Busy: false);
        }

        // The interval's slot is named by the fire it follows, so every delivery that finds the rule due for this
        // interval (a retry, a concurrent delivery, the one after a crash) hands over the same de-duplication key:
        // the ingress queues it once. The hand-over is announced first (HandingOverAt) and the last fire recorded
        // only after it, so a process killed in between leaves the slot due, and the next delivery's hand-over finds
        // the marker instead of firing again; once that marker may have expired, the announcement is resolved by
        // the rule's last run instead (ResolveAsync).
        var handing = partition.Item(FireKey(head.Id), StoredJson.Write(new LastFire(lastFire, now)), Expiry(head, now));
        if (!await partition.PutIfRevisionAsync(handing, previous?.Revision ?? 0, ct))
        {
            return new ScheduleResult(0, Busy: false); // a concurrent delivery is handing this interval over
        }

        var handingRevision = (previous?.Revision ?? 0) + 1;
        var payload = new JsonObject
        {
            ["eventType"] = EventType,
            ["timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        var work = new IngressRequest(tenant, RunSource.Schedule, payload) { SystemToken = systemToken, RuleId = head.Id, DedupKey = Keys.ScheduleInterval(head.Id, lastFire) };
        var result = await ingress.SubmitAsync(work, ct);
        if (result == IngestResult.Unavailable)
        {
            // Nothing of it was kept: take the announcement back so the slot stays plainly due for the retry.
            await (previous is null
                ? partition.DeleteIfRevisionAsync(FireKey(head.Id), handingRevision, ct)
                : partition.PutIfRevisionAsync(previous, handingRevision, ct));
            return new ScheduleResult(0, Busy: true);
        }

        var fire = partition.Item(FireKey(head.Id), StoredJson.Write(new LastFire(now)), Expiry(head, now));
        await partition.PutIfRevisionAsync(fire, handingRevision, ct); // losing it to a concurrent delivery that recorded it is fine
        return new ScheduleResult(result == IngestResult.Accepted ? 1 : 0, Busy: false);
    }

    /// <summary>
    /// The fire the next interval follows. A hand-over announced at H but never recorded (a process killed between the
    /// two writes) is left to the ingress's de-duplication marker while that marker must still exist (H + its 1-day
    /// window); after that the marker may have expired, so the rule's last run decides: a run started at or after H
    /// means the interval was queued (and fired at H), otherwise it was not and the rule is due as before.
    /// </summary>
    private async Task<DateTimeOffset?> ResolveAsync(TenantContext tenant, string ruleId, LastFire? state, DateTimeOffset now, CancellationToken ct)
    {
        if (state?.HandingOverAt is not { } handedAt || now - handedAt < EventIngestor.DedupWindow)
        {
            return state?.FiredAt;
        }

        if (await history.LastRunAsync(tenant.Id, ruleId, ct) is { } run && run.StartedAt >= handedAt)
        {
            LogRecovered(logger, ruleId);
            return handedAt;
        }

        return state.FiredAt;
    }

    /// <summary>The last-fire record outlives the interval, then expires: a deleted rule leaves nothing behind for long.</summary>
    private static long Expiry(RuleHead head, DateTimeOffset now) => (now + TimeSpan.FromHours(head.EveryHours) + TimeSpan.FromDays(1)).ToUnixTimeSeconds();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of rule {RuleId}: an interval handed over before a restart, whose fire was never recorded, is counted from its hand-over (the rule ran since)")]
    private static partial void LogRecovered(ILogger logger, string ruleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of rule {RuleId}: its version {Version} no longer compiles on this server ({Fields}); nothing fires until the rule is saved again")]
    private static partial void LogUncompilable(ILogger logger, string ruleId, int version, string fields);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled trigger: {RuleCount} rule run(s) queued")]
    private static partial void LogFired(ILogger logger, int ruleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled trigger: out of time before rule {RuleId} (JQL searches waiting on Jira) after {RuleCount} rule run(s); the next tick starts with it")]
    private static partial void LogOutOfTime(ILogger logger, int ruleCount, string ruleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled trigger: cancelled by the caller during rule {RuleId} after {RuleCount} rule run(s); the next tick starts after it")]
    private static partial void LogCancelled(ILogger logger, int ruleCount, string ruleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled trigger: queue full after {RuleCount} rule run(s); the next tick starts after rule {RuleId}")]
    private static partial void LogBusy(ILogger logger, int ruleCount, string ruleId);

    /// <summary>The last fire (null before the first) and, while a hand-over is under way, when it began.</summary>
    private sealed record LastFire(DateTimeOffset? FiredAt, DateTimeOffset? HandingOverAt = null);
}
