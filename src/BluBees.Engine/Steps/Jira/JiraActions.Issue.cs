using System.Net;
using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Steps.Jira;

/// <summary>The issue of a manual run, read before its steps (see <see cref="JiraIssueReader"/>).</summary>
internal sealed partial class JiraActions
{
    /// <summary>
    /// <c>GET /rest/api/3/issue/{key}</c> with the system token, with the same bounded retries as a <c>jira.fetch</c>
    /// step (429, 401/403 shortly after install). The issue, or a closed-vocabulary category: Jira's 404 (no such
    /// issue, or the app may not see it) is <see cref="ErrorCategories.JiraIssueNotFound"/>. Bytes is the answer's
    /// length as received (for the run's data budget), never measured by serializing the issue again.
    /// </summary>
    public async Task<(JsonObject? Issue, string? Category, long Bytes)> ReadIssueAsync(
        TenantContext tenant, string? systemToken, string issueKey, string trace, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(systemToken))
        {
            return (null, ErrorCategories.SystemTokenMissing, 0);
        }

        if (site.BaseUrl(tenant.ApiBaseUrl) is not { } baseUrl)
        {
            return (null, ErrorCategories.InvalidUrl, 0);
        }

        var call = new JiraCall(site.Client(baseUrl), issueKey, systemToken, trace, tenant.Id);
        var totals = new JiraStepTotals();
        var (response, category) = await SendAsync(call, t => call.Api.GetIssueAsync(call.Issue, call.Token, call.Trace, t, ct), totals, ct);
        using (response)
        {
            if (totals.StatusCode == (int)HttpStatusCode.NotFound)
            {
                return (null, ErrorCategories.JiraIssueNotFound, 0);
            }

            if (category is not null)
            {
                return (null, category, 0);
            }

            // 2xx without a readable issue (no object, or no fields object) is Jira failing, not the caller.
            return response?.Content is { } issue && issue["fields"] is JsonObject ? (issue, null, totals.LastBytesIn) : (null, ErrorCategories.Http5xx, 0);
        }
    }
}
