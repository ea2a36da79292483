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
    public async Task<bool> TryEnterAsync(TenantId tenantId, string ruleId, string issue, CancellationToken ct)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var window = TimeSpan.FromSeconds(settings.LoopWindowSeconds);
        var partition = store.ForTenant(tenantId);
        var prefix = Keys.LoopPrefix(ruleId, issue);
        var page = await partition.QueryAsync(
            new TenantQuery(prefix) { SkFrom = prefix + Ids.RunIdLowerBound(now - window), Limit = settings.LoopMaxRuns }, ct);
        if (page.Items.Count >= settings.LoopMaxRuns)
        {
            return false;
        }

        await partition.PutAsync(prefix + Ids.NewRunId(now), "{}", (now + window).ToUnixTimeSeconds(), ct);
        return true;
    }
}
