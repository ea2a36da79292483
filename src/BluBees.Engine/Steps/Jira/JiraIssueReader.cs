using System.Text.Json.Nodes;
using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Reads one issue from the tenant's Jira site with the Forge system token, for the run processor: a manual run's
/// queued event carries only the issue key (nothing of the issue is queued or stored), and its issue is read here at
/// run time, held in that run's memory only, so that <c>{{ issue.fields.* }}</c> reads as in an event-triggered run.
/// </summary>
public sealed class JiraIssueReader
{
    private readonly JiraActions actions;

    internal JiraIssueReader(JiraActions actions) => this.actions = actions;

    /// <summary>
    /// The issue as Jira's "Get issue" returns it (<c>{id, key, self, fields}</c>) and its answer's length in bytes
    /// (charged to the run's data budget), or why not (an error category).
    /// </summary>
    public Task<(JsonObject? Issue, string? Category, long Bytes)> ReadAsync(TenantContext tenant, string? systemToken, string issueKey, string trace, CancellationToken ct)
        => actions.ReadIssueAsync(tenant, systemToken, issueKey, trace, ct);
}
