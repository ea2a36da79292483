using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;
using BluBees.Engine.Rules;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>
/// Writes and reads run records, tenant-partitioned, newest first. Retention is fixed when a run is written: its
/// items carry an absolute expiry (start + <c>Runs:RetentionDays</c> at that time) and every read hides what has
/// passed it (the store filters on the stored expiry). Reads never compare against the current setting, so
/// changing it only affects runs written afterwards and can never bring an expired run back.
/// </summary>
public sealed partial class RunStore(IStore store, TimeProvider time, IOptions<RunOptions> options) : IRuleRunHistory
{
    private TimeSpan Retention => TimeSpan.FromDays(options.Value.RetentionDays);

    /// <summary>
    /// After a run's items were written outside the queue's transaction (the SQS worker's path): when the tenant was
    /// uninstalled meanwhile (its data key is gone; a consistent read), or uninstalled and installed again (its data
    /// key is a later installation's than the one that received the work at <paramref name="receivedAt"/>), deletes
    /// them again, so that an uninstall racing a run leaves none of the tenant's data behind, not even in a new
    /// installation. (The embedded queue checks inside its own transaction.)
    /// </summary>
    /// <returns>Whether the tenant was gone or reinstalled (and the items removed again).</returns>
    public async Task<bool> RemoveIfUninstalledAsync(
        TenantId tenantId, IReadOnlyList<RunRecord> records, IReadOnlyList<Trace.RuleTraceEntry> misses, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        if (records.Count == 0 && misses.Count == 0)
        {
            return false; // nothing was written
        }

        if (await partition.GetAsync(Keys.DataKey, ct) is { } key && !Crypto.StoredDataKey.IsLaterInstallation(key.Data, receivedAt))
        {
            return false; // the installation that received the work is still installed
        }

        foreach (var item in records.SelectMany(r => Items(tenantId, r)).Concat(TraceItems(tenantId, misses)))
        {
            await partition.DeleteAsync(item.Sk, ct);
        }

        // The loop guard's count of a Jira-writing rule's run (LoopGuard: rule and issue), written before its steps.
        foreach (var run in records)
        {
            if ((run.IssueId ?? run.IssueKey) is { } issue)
            {
                await partition.DeletePrefixAsync(Keys.LoopPrefix(run.RuleId, issue), ct);
            }
        }

        return true;
    }

    public async Task WriteAsync(TenantId tenantId, RunRecord run, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        foreach (var item in Items(tenantId, run))
        {
            await partition.PutAsync(item, ct);
        }
    }

    /// <summary>
    /// The items one run record consists of (the record, its issue pointer, the rule's last run), so that the durable
    /// queue can write them in the same transaction that removes the finished message.
    /// </summary>
    public IReadOnlyList<StoreItem> Items(TenantId tenantId, RunRecord run)
    {
        var partition = store.ForTenant(tenantId);
        // Anchored on the start (stable across the run's rewrites), never later than now: a skewed start time
        // cannot extend retention.
        var now = time.GetUtcNow();
        var expires = (run.StartedAt < now ? run.StartedAt : now).Add(Retention).ToUnixTimeSeconds();
        var items = new List<StoreItem>(3) { partition.Item(Keys.Run(run.Id), StoredJson.Write(run), expires) };
        // The issue panel's index, by the issue's id (stable across moves, never reused); the key stays in the record
        // for display. Jira's issue events carry both (issue {id, key, fields}:
        // https://developer.atlassian.com/platform/forge/events-reference/jira/), a manual run has the id of the issue
        // Jira returned. A run without an id (a manual run whose issue Jira did not return) has no index item.
        if (run.IssueId is { } issueId && IsIssueId(issueId))
        {
            items.Add(partition.Item(Keys.IssueRun(issueId, run.Id), StoredJson.Write(new RunPointer(run.Id)), expires));
        }

        items.Add(partition.Item(Keys.LastRun(run.RuleId), StoredJson.Write(new LastRun(run.Id, run.Status, run.StartedAt)), expires));
        return items;
    }

    /// <summary>
    /// A run, for the worker's replay check (did an earlier delivery of the message finish this rule?): bookkeeping, read
    /// tolerantly, so a record a later build wrote (a rollback) still says the rule ran, and it is not run (and its calls
    /// sent) again.
    /// </summary>
    public Task<RunRecord?> GetAsync(TenantId tenantId, string runId, CancellationToken ct) => GetForViewAsync(tenantId, runId, ct);

    Task IRuleRunHistory.DeleteTraceAsync(TenantId tenantId, string ruleId, CancellationToken ct) => DeleteTraceAsync(store, tenantId, ruleId, ct);

    /// <summary>The rule's last run, for the rule list (read tolerantly: a later build's member is skipped, not a 500).</summary>
    public async Task<LastRun?> LastRunAsync(TenantId tenantId, string ruleId, CancellationToken ct)
    {
        var item = await store.ForTenant(tenantId).GetAsync(Keys.LastRun(ruleId), ct);
        return item is null ? null : StoredJson.ReadTolerant<LastRun>(item.Data);
    }

    /// <summary>
    /// A run for the admin's and support's run views: as <see cref="GetAsync"/>, but read tolerantly (a member a later
    /// build added is skipped: a rollback made these routes answer 500), as the worker's replay check reads it (<see cref="GetAsync"/>).
    /// </summary>
    public async Task<RunRecord?> GetForViewAsync(TenantId tenantId, string runId, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(runId))
        {
            return null;
        }

        var item = await store.ForTenant(tenantId).GetAsync(Keys.Run(runId), ct);
        return item is null ? null : StoredJson.ReadTolerant<RunRecord>(item.Data);
    }

    /// <summary>
    /// Lists runs newest first (the admin's and support's run log; read tolerantly, as <see cref="GetForViewAsync"/>).
    /// Filters apply while paging, so a page may hold fewer than the limit.
    /// </summary>
    public async Task<(IReadOnlyList<RunRecord> Items, string? NextCursor)> ListAsync(TenantId tenantId, RunFilter filter, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var request = new TenantQuery(Keys.RunPrefix)
        {
            Descending = true,
            Limit = filter.Limit,
            SkFrom = filter.From is { } from ? Keys.Run(Ids.RunIdLowerBound(from)) : null,
            SkTo = filter.To is { } to && to < Ids.LastRunIdTime ? Keys.Run(Ids.RunIdLowerBound(to.AddMilliseconds(1))) : null,
            StartAfter = filter.Cursor is null ? null : Keys.Run(filter.Cursor),
        };
        var items = new List<RunRecord>(filter.Limit);
        string? next = null;
        for (var scanned = 0; scanned < 10 && items.Count < filter.Limit; scanned++)
        {
            var page = await partition.QueryAsync(request with { Limit = filter.Limit - items.Count }, ct);
            items.AddRange(page.Items.Select(i => StoredJson.ReadTolerant<RunRecord>(i.Data)).Where(filter.Matches));
            next = page.NextCursor;
            if (next is null)
            {
                break;
            }

            request = request with { StartAfter = next };
        }

        return (items, next?[Keys.RunPrefix.Length..]);
    }

    /// <summary>
    /// The issue's runs, newest first: those of its id's index, and — from the index builds before it wrote under the
    /// issue key (until those expire) — the ones under <paramref name="legacyKey"/> whose record names the same issue
    /// id. A key-indexed run of another issue (the key was moved away, or re-used by a re-created project) or without an
    /// id in its record is never shown. Read tolerantly, as <see cref="GetForViewAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<RunRecord>> ListForIssueAsync(TenantId tenantId, string issueId, string? legacyKey, int limit, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var byId = await partition.QueryAsync(new TenantQuery(Keys.IssueRunPrefix(issueId)) { Descending = true, Limit = limit }, ct);
        var pointers = byId.Items.Select(i => (Id: StoredJson.ReadTolerant<RunPointer>(i.Data).RunId, Legacy: false));
        if (legacyKey is not null)
        {
            var byKey = await partition.QueryAsync(new TenantQuery(Keys.LegacyIssueRunPrefix(legacyKey)) { Descending = true, Limit = limit }, ct);
            pointers = pointers.Concat(byKey.Items.Select(i => (Id: StoredJson.ReadTolerant<RunPointer>(i.Data).RunId, Legacy: true)));
        }

        // Run ids are time-ordered: newest first across both indexes; a run in both (rewritten across the upgrade) once.
        var runs = new List<RunRecord>(limit);
        foreach (var group in pointers.GroupBy(p => p.Id, StringComparer.Ordinal).OrderByDescending(g => g.Key, StringComparer.Ordinal))
        {
            if (runs.Count == limit)
            {
                break;
            }

            var legacyOnly = group.All(p => p.Legacy);
            if (await GetForViewAsync(tenantId, group.Key, ct) is { } run && (!legacyOnly || run.IssueId == issueId))
            {
                runs.Add(run);
            }
        }

        return runs;
    }

    /// <summary>A Jira issue id as Jira hands it out (digits); anything else is neither indexed nor looked up.</summary>
    public static bool IsIssueId(string? value) => value is { Length: > 0 and <= 18 } && value.All(char.IsAsciiDigit);

    private sealed record RunPointer(string RunId);
}

/// <summary>Filters of the run log.</summary>
public sealed record RunFilter(string? RuleId, string? Status, DateTimeOffset? From, DateTimeOffset? To, int Limit, string? Cursor)
{
    public bool Matches(RunRecord run)
        => (RuleId is null || run.RuleId == RuleId) && (Status is null || run.Status == Status);
}
