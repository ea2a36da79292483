using BluBees.Engine.Storage;

namespace BluBees.Engine.Rules;

/// <summary>
/// What the rule service needs from the run log. The run log (<c>Runs.RunStore</c>) sits above Rules: Runs depends
/// on Rules, never the reverse, so the rule list reads last runs, and a rule's deletion drops its trace, through
/// this seam.
/// </summary>
public interface IRuleRunHistory
{
    /// <summary>The rule's last run, or null when it never ran (or the record expired).</summary>
    Task<LastRun?> LastRunAsync(TenantId tenantId, string ruleId, CancellationToken ct);

    /// <summary>Deletes the rule's "why didn't it run?" entries (the rule is being deleted).</summary>
    Task DeleteTraceAsync(TenantId tenantId, string ruleId, CancellationToken ct);
}

/// <summary>The last run of a rule, for the rule list.</summary>
public sealed record LastRun(string Id, string Status, DateTimeOffset StartedAt);
