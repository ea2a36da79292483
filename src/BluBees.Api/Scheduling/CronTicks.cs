using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Engine.Common;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Runs;
using BluBees.Engine.Runs.Trace;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Execution;

namespace BluBees.Api.Scheduling;

/// <summary>What one tick did for one cron rule.</summary>
internal sealed record CronTickResult(int Queued, bool Busy);

/// <summary>
/// Fires a cron schedule rule's due occurrences: every occurrence in (cursor, now], where the cursor (stored under
/// <see cref="Keys.ScheduleCursor"/>) is the time up to which earlier ticks processed the rule, but never earlier than
/// the rule's last save nor than <see cref="CatchUpWindow"/> ago, and at most the <see cref="MaxOccurrencesPerTick"/>
/// most recent of them (older ones are skipped and logged). Each occurrence (each occurrence and issue, with a JQL)
/// is handed to the ingress with its idempotent tick key as the de-duplication key, so a Forge retry, two instances
/// or a restart mid-tick queue it once: the embedded queue writes marker and message in one transaction, and a full
/// queue writes neither (the next delivery fires it). The cursor moves only after every due occurrence was handed
/// over, so a tick cut short (crash, full queue, failed search) is redone by the next one, without doubles.
/// </summary>
internal sealed partial class CronTicks(IStore store, EventIngestor ingress, JiraIssueSearch search, RunStore runs, TimeProvider time, ILogger<CronTicks> logger)
{
    /// <summary>
    /// How far back a late tick still fires missed occurrences. Well under the ingress's de-duplication window (1 day),
    /// so an occurrence can only be looked at again while its marker still exists.
    /// </summary>
    public static readonly TimeSpan CatchUpWindow = TimeSpan.FromHours(6);

    /// <summary>The most occurrences of one rule fired by one tick (the most recent ones).</summary>
    public const int MaxOccurrencesPerTick = 12;

    /// <summary>The longest a rule's JQL search waits on Jira's <c>Retry-After</c> (well inside the catch-up window).</summary>
    public static readonly TimeSpan MaxSearchWait = TimeSpan.FromHours(1);

    public async Task<CronTickResult> FireAsync(TenantContext tenant, RuleHead head, CompiledSchedule schedule, string? systemToken, DateTimeOffset now, CancellationToken ct)
    {
        var partition = store.ForTenant(tenant.Id);
        var cursorItem = await partition.GetAsync(Keys.ScheduleCursor(head.Id), ct);
        var cursor = cursorItem is null ? head.UpdatedAt : StoredJson.ReadTolerant<Cursor>(cursorItem.Data).ProcessedThrough;
        var from = Latest(cursor, head.UpdatedAt, now - CatchUpWindow);
        var due = schedule.Occurrences(from, now).ToList();
        var skipped = SkippedBeforeWindow(schedule, cursor, head.UpdatedAt, from, now);
        if (due.Count > MaxOccurrencesPerTick)
        {
            skipped += due.Count - MaxOccurrencesPerTick;
            due = due[^MaxOccurrencesPerTick..];
        }

        if (skipped > 0)
        {
            LogSkipped(logger, head.Id, skipped);
        }

        IReadOnlyList<JsonObject?> targets = [null];
        if (due.Count > 0 && schedule.Jql is { } jql)
        {
            if (cursorItem is not null && StoredJson.ReadTolerant<Cursor>(cursorItem.Data).SearchNotBefore is { } notBefore && notBefore > now)
            {
                return new CronTickResult(0, Busy: false); // Jira asked to wait (Retry-After): not asked again before then; cursor kept
            }

            var found = await search.SearchAsync(tenant, systemToken, jql, schedule.MaxIssues, ct);
            if (found.FailureCategory is { } category)
            {
                // Jira's Retry-After counts from its answer, which a search of several pages gives well after the tick's now.
                await WaitForJiraAsync(partition, head.Id, cursorItem, cursor, found.RetryAfter, time.GetUtcNow(), ct);
                // "Why didn't it run?": a refusal the admin must fix (the JQL, the app's access) is traced for the rule;
                // a passing failure (429, 5xx, network) is only logged. Cursor kept: the next tick searches again.
                if (Reason(category, found.Status) is { } reason)
                {
                    LogRefused(logger, head.Id, reason);
                    await runs.WriteTraceAsync(tenant.Id, [RuleMisses.Schedule(head.Id, head.Version, reason, now)], ct);
                }

                return new CronTickResult(0, Busy: false);
            }

            if (found.Truncated)
            {
                LogTruncated(logger, head.Id, schedule.MaxIssues);
            }

            targets = found.Issues;
        }

        var queued = 0;
        foreach (var occurrence in due)
        {
            foreach (var issue in targets)
            {
                var key = issue is null ? Keys.ScheduleTick(head.Id, occurrence) : Keys.ScheduleTickIssue(head.Id, occurrence, issue["id"]!.GetValue<string>());
                var work = new IngressRequest(tenant, RunSource.Schedule, Payload(occurrence, issue)) { SystemToken = systemToken, RuleId = head.Id, DedupKey = key };
                switch (await ingress.SubmitAsync(work, ct))
                {
                    case IngestResult.Unavailable:
                        return new CronTickResult(queued, Busy: true); // nothing of it was kept; the cursor stays for the next tick
                    case IngestResult.Accepted:
                        queued++;
                        break;
                }
            }
        }

        await AdvanceAsync(partition, head.Id, cursorItem, now, ct);
        return new CronTickResult(queued, Busy: false);
    }

    /// <summary>A run's event: the occurrence (its time, not the tick's) and, with a JQL, the issue as an issue event carries it.</summary>
    private static JsonObject Payload(DateTimeOffset occurrence, JsonObject? issue)
    {
        var payload = new JsonObject
        {
            ["eventType"] = ScheduleRunner.EventType,
            ["timestamp"] = occurrence.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["scheduledAt"] = occurrence.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        if (issue is not null)
        {
            payload["issue"] = issue.DeepClone();
        }

        return payload;
    }

    /// <summary>Moves the cursor forward only (a slower instance's older "now" never moves it back); losing the race is fine.</summary>
    private static async Task AdvanceAsync(TenantStore partition, string ruleId, StoreItem? current, DateTimeOffset now, CancellationToken ct)
    {
        if (current is not null && StoredJson.ReadTolerant<Cursor>(current.Data).ProcessedThrough >= now)
        {
            return;
        }

        // The cursor outlives the catch-up window, then expires: a deleted rule leaves nothing behind for long.
        var item = partition.Item(Keys.ScheduleCursor(ruleId), StoredJson.Write(new Cursor(now)), (now + CatchUpWindow + TimeSpan.FromDays(1)).ToUnixTimeSeconds());
        await partition.PutIfRevisionAsync(item, current?.Revision ?? 0, ct);
    }

    /// <summary>
    /// Jira's <c>Retry-After</c> on a failed search: asking again before it "will fail and return the same or longer
    /// Retry-After period" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/), so the rule's search
    /// waits that long (at most <see cref="MaxSearchWait"/>, so catch-up still reaches the missed occurrences), noted
    /// on the cursor without moving it.
    /// </summary>
    private static async Task WaitForJiraAsync(TenantStore partition, string ruleId, StoreItem? current, DateTimeOffset processedThrough, System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter, DateTimeOffset now, CancellationToken ct)
    {
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : TimeSpan.Zero);
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        var until = now + (wait < MaxSearchWait ? wait : MaxSearchWait);
        var item = partition.Item(Keys.ScheduleCursor(ruleId), StoredJson.Write(new Cursor(processedThrough) { SearchNotBefore = until }), (now + CatchUpWindow + TimeSpan.FromDays(1)).ToUnixTimeSeconds());
        await partition.PutIfRevisionAsync(item, current?.Revision ?? 0, ct); // losing it to a concurrent tick is fine
    }

    /// <summary>The trace reason of a failed search that only the admin can fix; null for one the next tick may get past.</summary>
    private static string? Reason(string category, int status) => (category, status) switch
    {
        (ErrorCategories.SystemTokenMissing, _) => ScheduleReasons.SystemTokenMissing,
        (_, 400) => ScheduleReasons.JqlRejected,
        (_, 401 or 403) => ScheduleReasons.SystemTokenRefused,
        _ => null,
    };

    /// <summary>
    /// The missed occurrences older than the catch-up window (after the cursor and the last save), which are skipped:
    /// counted for the log, back to at most the cursor's own life (older ones could not be known anyway).
    /// </summary>
    private static int SkippedBeforeWindow(CompiledSchedule schedule, DateTimeOffset cursor, DateTimeOffset saved, DateTimeOffset from, DateTimeOffset now)
    {
        var floor = Latest(cursor, saved, now - CatchUpWindow - TimeSpan.FromDays(1));
        return floor < from ? schedule.Occurrences(floor, from).Count() : 0;
    }

    private static DateTimeOffset Latest(DateTimeOffset a, DateTimeOffset b, DateTimeOffset c) => a > b ? (a > c ? a : c) : (b > c ? b : c);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of rule {RuleId}: its JQL search was refused ({Reason}); nothing fired, the next tick tries again")]
    private static partial void LogRefused(ILogger logger, string ruleId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of rule {RuleId}: {Skipped} missed occurrence(s) beyond the catch-up bound were skipped")]
    private static partial void LogSkipped(ILogger logger, string ruleId, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of rule {RuleId}: the JQL matched more than {MaxIssues} issues; the first {MaxIssues} run")]
    private static partial void LogTruncated(ILogger logger, string ruleId, int maxIssues);

    /// <summary>The cursor and, after Jira's Retry-After on a search, when the rule's search may ask again.</summary>
    private sealed record Cursor(DateTimeOffset ProcessedThrough)
    {
        public DateTimeOffset? SearchNotBefore { get; init; }
    }
}
