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
    RuleService rules, IStore store, EventIngestor ingress, TenantService tenants, CronTicks cron, TimeProvider time, ILogger<ScheduleRunner> logger)
{
    public const string EventType = "blubees:schedule";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(10);
    private const string TriggerType = "schedule";

    public static string FireKey(string ruleId) => Keys.ScheduleFire(ruleId);

    public async Task<ScheduleResult> FireDueAsync(TenantContext tenant, string? systemToken, CancellationToken ct)
    {
        await tenants.EnsureAsync(tenant, ct);
        var now = time.GetUtcNow();
        var partition = store.ForTenant(tenant.Id);
        var queued = 0;
        foreach (var head in await rules.ListHeadsAsync(tenant.Id, ct))
        {
            if (!head.Enabled || head.TriggerType != TriggerType)
            {
                continue;
            }

            if (head.EveryHours < 1)
            {
                if (await rules.LoadCompiledAsync(tenant.Id, head, ct) is { Trigger.Schedule: { IsCron: true } schedule })
                {
                    var fired = await cron.FireAsync(tenant, head, schedule, systemToken, now, ct);
                    queued += fired.Queued;
                    if (fired.Busy)
                    {
                        LogBusy(logger, queued);
                        return new ScheduleResult(queued, Busy: true);
                    }
                }

                continue;
            }

            var previous = await partition.GetAsync(FireKey(head.Id), ct);
            var lastFire = previous is null ? (DateTimeOffset?)null : StoredJson.Read<LastFire>(previous.Data).FiredAt;
            if (lastFire is { } last && now - last < TimeSpan.FromHours(head.EveryHours) - Tolerance)
            {
                continue;
            }

            // The interval's slot is named by the fire it follows, so every delivery that finds the rule due for this
            // interval (a retry, a concurrent delivery, the one after a crash) hands over the same de-duplication key:
            // the ingress queues it once. The last fire is recorded only after the hand-over, so a process killed in
            // between leaves the slot due, and the next delivery's hand-over finds the marker instead of firing again.
            var payload = new JsonObject
            {
                ["eventType"] = EventType,
                ["timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            };
            var work = new IngressRequest(tenant, RunSource.Schedule, payload) { SystemToken = systemToken, RuleId = head.Id, DedupKey = Keys.ScheduleInterval(head.Id, lastFire) };
            var result = await ingress.SubmitAsync(work, ct);
            if (result == IngestResult.Unavailable)
            {
                LogBusy(logger, queued); // nothing of it was kept; the last fire stays for the retry
                return new ScheduleResult(queued, Busy: true);
            }

            await RecordFireAsync(partition, head, previous, now, ct);
            if (result == IngestResult.Accepted)
            {
                queued++;
            }
        }

        LogFired(logger, queued);
        return new ScheduleResult(queued, Busy: false);
    }

    /// <summary>
    /// Records the interval's fire after its hand-over; losing the conditional write to a concurrent delivery that
    /// recorded it is fine. The marker outlives the interval, then expires: a deleted rule leaves nothing behind for long.
    /// </summary>
    private static async Task RecordFireAsync(TenantStore partition, RuleHead head, StoreItem? previous, DateTimeOffset now, CancellationToken ct)
    {
        var expires = now + TimeSpan.FromHours(head.EveryHours) + TimeSpan.FromDays(1);
        var fire = partition.Item(FireKey(head.Id), StoredJson.Write(new LastFire(now)), expires.ToUnixTimeSeconds());
        await partition.PutIfRevisionAsync(fire, previous?.Revision ?? 0, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled trigger: {RuleCount} rule run(s) queued")]
    private static partial void LogFired(ILogger logger, int ruleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled trigger: queue full after {RuleCount} rule run(s); asking Forge to retry")]
    private static partial void LogBusy(ILogger logger, int ruleCount);

    private sealed record LastFire(DateTimeOffset FiredAt);
}
