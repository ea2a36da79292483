using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Rules;

/// <summary>The rule heads the event path reads.</summary>
public sealed partial class RuleService
{
    /// <summary>
    /// The heads the event path reads (ingress filter, worker, schedules, webhooks): from the cache when the tenant's
    /// rule-list stamp is unchanged (one point read instead of a query and a parse of every head; see
    /// <see cref="RuleListStamp"/>). A head this build cannot read that is still a JSON object (a member a later build
    /// added: a rollback after a deploy) is left out, so that its rule does not run — never other than as saved — while
    /// the tenant's other rules do (one that is not JSON at all is a damaged store and still fails the read): before, the strict read threw for the whole list, and <c>/forge/events</c> answered 500 to every event of the
    /// tenant. Each load of the list that leaves one out logs a warning (rule id only) and counts it
    /// (<c>blubees.rules.not_compilable{reason=unreadable_head}</c>); the list is cached per stamp, so that is once per
    /// change of the tenant's rules or <see cref="RuleListStamp.MaxAge"/>, not per event.
    /// </summary>
    public async Task<IReadOnlyList<RuleHead>> ListHeadsForRunAsync(TenantId tenantId, CancellationToken ct)
    {
        var stamp = await RuleListStamp.ReadAsync(store, tenantId, ct);
        var now = time.GetUtcNow();
        if (cache.GetList(tenantId) is { } cached && cached.Stamp == stamp && now - cached.LoadedAt < RuleListStamp.MaxAge && now >= cached.LoadedAt)
        {
            return cached.Heads;
        }

        var page = await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.RulePrefix) { Limit = RuleLimits.MaxRulesPerTenant }, ct);
        var heads = new List<RuleHead>(page.Items.Count);
        foreach (var item in page.Items)
        {
            try
            {
                heads.Add(StoredJson.Read<RuleHead>(item.Data));
            }
            catch (JsonException) when (StoredJson.IsJsonObject(item.Data)) // a later build's shape; one not JSON at all is a damaged store and still fails the read
            {
                metrics.RuleNotCompilable(NotCompilableReasons.UnreadableHead);
                LogUnreadableHead(logger, item.Sk.StartsWith(Keys.RulePrefix, StringComparison.Ordinal) ? item.Sk[Keys.RulePrefix.Length..] : "unknown");
            }
        }

        cache.SetList(tenantId, new CachedRuleList(stamp, heads, now));
        return heads;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {RuleId} cannot be read by this build (its stored summary has a member a later build added): it does not run until it is saved again; the tenant's other rules run")]
    private static partial void LogUnreadableHead(ILogger logger, string ruleId);
}
