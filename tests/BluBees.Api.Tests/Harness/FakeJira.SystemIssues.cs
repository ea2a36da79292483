using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// "Get issue" <c>GET /rest/api/3/issue/{key}</c> as the app (system token) sees it, in Jira's documented shape
/// <c>{id, key, self, fields}</c> (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get),
/// and Jira's 404 (<c>{"errorMessages": [...], "errors": {}}</c>) for a key that is not in <see cref="SystemIssues"/>.
/// </summary>
public sealed partial class FakeJira
{
    /// <summary>When set, the issues a system-token "Get issue" answers (others 404); null: the default answer.</summary>
    public ConcurrentDictionary<string, JsonObject>? SystemIssues { get; set; }

    /// <summary>An issue in Jira's shape, with the given fields (its id derived from the key's number).</summary>
    public static JsonObject Issue(string key, JsonObject fields) => new()
    {
        ["id"] = IssueId(key),
        ["key"] = key,
        ["self"] = "https://example.atlassian.net/rest/api/3/issue/" + key,
        ["fields"] = fields,
    };

    /// <summary>The id <see cref="Issue"/> gives the issue with <paramref name="key"/>: "1" and the key's number.</summary>
    public static string IssueId(string key) => "1" + key[(key.IndexOf('-') + 1)..];

    /// <summary>The issue panel's run history of the issue with <paramref name="key"/> (and <paramref name="id"/>, by default <see cref="IssueId"/>).</summary>
    public static string RunsPath(string key, string? id = null) => $"/api/issues/{key}/runs?issueId={id ?? IssueId(key)}";

    private (int Status, string Body)? SystemIssueAnswer(JiraActionCall action)
    {
        const string prefix = "/rest/api/3/issue/";
        if (SystemIssues is not { } issues || action.Method != "GET" || !action.Path.StartsWith(prefix, StringComparison.Ordinal) || action.Path.Count(c => c == '/') != 5)
        {
            return null;
        }

        return issues.TryGetValue(action.Path[prefix.Length..], out var issue)
            ? (200, issue.ToJsonString())
            : (404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}""");
    }
}
