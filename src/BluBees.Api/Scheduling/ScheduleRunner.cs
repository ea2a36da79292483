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
/// <see cref="Tolerance"/> (Forge's trigger jitters). Its last fire is stored under <see cref="Keys.ScheduleFire"/>
/// and claimed with a conditional write, so a Forge retry or a concurrent delivery never fires a rule twice.
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
            if (previous is not null && now - StoredJson.Read<LastFire>(previous.Data).FiredAt < TimeSpan.FromHours(head.EveryHours) - Tolerance)
            {
                continue;
            }

            // The marker outlives the interval, then expires: a deleted rule leaves nothing behind for long.
            var expires = now + TimeSpan.FromHours(head.EveryHours) + TimeSpan.FromDays(1);
            var claim = partition.Item(FireKey(head.Id), StoredJson.Write(new LastFire(now)), expires.ToUnixTimeSeconds());
            if (!await partition.PutIfRevisionAsync(claim, previous?.Revision ?? 0, ct))
            {
                continue; // another delivery of this trigger claimed it
            }

            var payload = new JsonObject
            {
                ["eventType"] = EventType,
                ["timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            };
            var work = new IngressRequest(tenant, RunSource.Schedule, payload) { SystemToken = systemToken, RuleId = head.Id };
            var claimedRevision = (previous?.Revision ?? 0) + 1;
            var result = await ingress.SubmitAsync(work, () => ReleaseAsync(partition, head.Id, previous, claimedRevision), ct);
            if (result == IngestResult.Unavailable)
            {
                LogBusy(logger, queued);
                return new ScheduleResult(queued, Busy: true);
            }

            queued++;
        }

        LogFired(logger, queued);
        return new ScheduleResult(queued, Busy: false);
    }

    /// <summary>Gives the slot back so that Forge's retry fires the rule.</summary>
    private static async Task ReleaseAsync(TenantStore partition, string ruleId, StoreItem? previous, long claimedRevision)
    {
        if (previous is null)
        {
            await partition.DeleteAsync(FireKey(ruleId), CancellationToken.None);
        }
        else
        {
            await partition.PutIfRevisionAsync(previous, claimedRevision, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled trigger: {RuleCount} rule run(s) queued")]
    private static partial void LogFired(ILogger logger, int ruleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled trigger: queue full after {RuleCount} rule run(s); asking Forge to retry")]
    private static partial void LogBusy(ILogger logger, int ruleCount);

    private sealed record LastFire(DateTimeOffset FiredAt);
}
