using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Steps.Jira;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Stops rules that re-trigger themselves. Two signals: an event that carries back the trace of this rule's own
/// Jira write (<see cref="IsOwnEcho"/>), and a bounded count of runs of one rule on one issue within a window,
/// kept as expiring markers in the tenant's partition so that every worker instance sees the same count.
/// </summary>
public sealed class LoopGuard(IStore store, TimeProvider time, IOptions<JiraActionOptions> options)
{
    /// <summary>Whether the event was caused by a Jira write of this very rule.</summary>
    public static bool IsOwnEcho(string? trace, string ruleId) => JiraTrace.RuleOf(trace) == ruleId;

    /// <summary>The generation of a run started by an event carrying <paramref name="trace"/> (see <see cref="JiraTrace.New"/>).</summary>
    public static int GenerationAfter(string? trace) => JiraTrace.GenerationOf(trace) + 1;

    /// <summary>Whether a run of that generation would make the chain of write-caused runs longer than <see cref="JiraActionOptions.LoopMaxChain"/>.</summary>
    public bool ChainTooLong(int generation) => generation >= options.Value.LoopMaxChain;

    /// <summary>
    /// Counts this run of <paramref name="ruleId"/> on <paramref name="issue"/>. Returns false (and counts nothing)
    /// when the rule already ran <see cref="JiraActionOptions.LoopMaxRuns"/> times on the issue within the window.
    /// </summary>
    public Task<bool> TryEnterAsync(TenantId tenantId, string ruleId, string issue, CancellationToken ct)
        => TryEnterAsync(tenantId, ruleId, issue, runId: null, ct);

    /// <summary>
    /// Counts the run <paramref name="runId"/> of <paramref name="ruleId"/> on <paramref name="issue"/>, under a marker
    /// named by the run id (which derives from the queued message: its time is the event's receipt). The same run
    /// delivered again — a replay after a crash, a drain or a queue's second delivery — finds its own marker and is the
    /// same run, not one more: it is never refused for its own earlier attempt. Returns false (and counts nothing) when
    /// the rule already ran <see cref="JiraActionOptions.LoopMaxRuns"/> times on the issue within the window.
    /// </summary>
    public async Task<bool> TryEnterAsync(TenantId tenantId, string ruleId, string issue, string? runId, CancellationToken ct)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var window = TimeSpan.FromSeconds(settings.LoopWindowSeconds);
        var partition = store.ForTenant(tenantId);
        var prefix = Keys.LoopPrefix(ruleId, issue);
        var own = prefix + (runId ?? Ids.NewRunId(now));
        var page = await partition.QueryAsync(
            new TenantQuery(prefix) { SkFrom = prefix + Ids.RunIdLowerBound(now - window), Limit = settings.LoopMaxRuns }, ct);
        // The own marker is looked up only when the count refuses: the common path costs what it did (a query, a put).
        if (page.Items.Count >= settings.LoopMaxRuns && (runId is null || (page.Items.All(i => i.Sk != own) && await partition.GetAsync(own, ct) is null)))
        {
            return false;
        }

        // A replay rewrites its own marker: the count does not grow.
        await partition.PutAsync(own, "{}", (now + window).ToUnixTimeSeconds(), ct);
        return true;
    }
}
