using System.Text.Json.Nodes;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>The issues a schedule's JQL matched, or why the search failed (an error category, never Jira's text).</summary>
internal sealed record ScheduleSearchResult(IReadOnlyList<JsonObject> Issues, string? FailureCategory, bool Truncated)
{
    /// <summary>Jira's HTTP status when Jira answered the failed page (0 otherwise).</summary>
    public int Status { get; init; }

    /// <summary>Jira's <c>Retry-After</c> on the failed page (a 429 or 5xx), as it came (delay-seconds or a date), else its <c>X-RateLimit-Reset</c> as a date.</summary>
    public System.Net.Http.Headers.RetryConditionHeaderValue? RetryAfter { get; init; }
}

/// <summary>
/// A schedule's "for each issue matching" search: Jira's enhanced JQL search
/// (<c>POST /rest/api/3/search/jql</c>, paged with <c>nextPageToken</c>;
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post),
/// on the tenant's site with the Forge system token, through the same guarded Refit client as the Jira steps. A
/// failed page (including a 429) fails the whole search: the scheduler then keeps its cursor and the next tick,
/// about 5 minutes later, searches again (not before Jira's Retry-After, which the result carries).
/// </summary>
internal sealed partial class JiraIssueSearch(JiraSite site, IOptions<JiraActionOptions> options, IOptions<RunOptions> runOptions, ILogger<JiraIssueSearch> logger)
{
    /// <summary>The fields each issue carries into its run, as an issue event's <c>issue.fields</c> would.</summary>
    public static readonly IReadOnlyList<string> Fields = ["summary", "status", "issuetype", "project", "assignee", "reporter", "priority", "labels"];

    public async Task<ScheduleSearchResult> SearchAsync(TenantContext tenant, string? systemToken, string jql, int maxIssues, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(systemToken))
        {
            return Failed(ErrorCategories.SystemTokenMissing);
        }

        if (site.BaseUrl(tenant.ApiBaseUrl) is not { } baseUrl)
        {
            return Failed(ErrorCategories.InvalidUrl);
        }

        var api = site.Client(baseUrl);
        var trace = JiraTrace.New(null);
        var issues = new List<JsonObject>();
        string? next = null;
        // Each page holds at least one issue (an empty page ends the search), so maxIssues bounds the pages.
        for (var page = 0; page < maxIssues; page++)
        {
            var query = new JsonObject
            {
                ["jql"] = jql,
                ["fields"] = new JsonArray([.. Fields.Select(f => (JsonNode)f)]),
                ["maxResults"] = Math.Min(JiraExtraRequests.SearchPageSize, maxIssues - issues.Count),
            };
            if (next is not null)
            {
                query["nextPageToken"] = next;
            }

            var tally = new JiraCallTally(TimeSpan.FromSeconds(options.Value.ActionTimeoutSeconds), runOptions.Value.MaxStepResponseBytes);
            Refit.IApiResponse<JsonObject>? response = null;
            try
            {
                response = await api.SearchAsync(query, systemToken, trace, tally, ct);
            }
            catch (Exception e) when (e is HttpRequestException or Refit.ApiException || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                // The tally says what failed; the exception's text is not kept.
            }

            using (response)
            {
                if (response is null || !response.IsReceived || tally.Failure != Egress.EgressFailure.None)
                {
                    return Failed(Execution.EgressCategories.Of(tally.Failure) ?? ErrorCategories.ConnectionFailed);
                }

                var status = (int)response.StatusCode;
                if (status != 200 || response.Content is not { } result)
                {
                    return Failed(status switch { 429 => ErrorCategories.RateLimited, >= 500 => ErrorCategories.Http5xx, _ => ErrorCategories.Http4xx }, status)
                        with { RetryAfter = status is 429 or >= 500 ? JiraRetryAfter.Of(response.Headers) : null };
                }

                var found = result["issues"] as JsonArray ?? [];
                foreach (var issue in found.OfType<JsonObject>())
                {
                    // Jira's issue ids are digits. The id keys the occurrence's run (its de-duplication marker's key, the
                    // record's issue id): any other text is answer data, pass-through, and is never kept; such an issue
                    // is not run (CronJqlTests.An_answer_issue_whose_id_is_not_a_jira_id_…).
                    if (JiraValues.Text(issue["id"]) is not { Length: > 0 and <= 20 } id || !id.All(char.IsAsciiDigit))
                    {
                        continue;
                    }

                    if (issues.Count == maxIssues)
                    {
                        return new ScheduleSearchResult(issues, null, Truncated: true);
                    }

                    issues.Add(new JsonObject { ["id"] = id, ["key"] = issue["key"]?.DeepClone(), ["fields"] = issue["fields"]?.DeepClone() });
                }

                next = JiraValues.Text(result["nextPageToken"]);
                if (found.Count == 0 || next is not { Length: > 0 })
                {
                    return new ScheduleSearchResult(issues, null, Truncated: false);
                }

                if (issues.Count == maxIssues)
                {
                    return new ScheduleSearchResult(issues, null, Truncated: true);
                }
            }
        }

        return new ScheduleSearchResult(issues, null, Truncated: true);
    }

    private ScheduleSearchResult Failed(string category, int status = 0)
    {
        LogFailed(logger, category, status);
        return new ScheduleSearchResult([], category, Truncated: false) { Status = status };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule JQL search failed ({Category}, status {StatusCode}); the next tick tries again")]
    private static partial void LogFailed(ILogger logger, string category, int statusCode);
}
