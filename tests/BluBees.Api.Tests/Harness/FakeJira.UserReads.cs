using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Harness;

/// <summary>One read the backend made as a user (field list, issue), with whose token.</summary>
public sealed record JiraUserRead(string Path, string Query, string? AccountId);

/// <summary>
/// Reads made with a user token Jira issued (not the system token), answered in Jira's documented shapes:
/// "Get fields" <c>GET /rest/api/3/field</c> → <c>[{id, key, name, custom, schema}]</c>
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get) and
/// "Get issue" <c>GET /rest/api/3/issue/{key}</c> → <c>{id, key, self, fields}</c>
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get),
/// 404 when the issue is in <see cref="MissingIssues"/> or the user may not browse it (<see cref="IssueGrant"/>).
/// </summary>
public sealed partial class FakeJira
{
    private readonly ConcurrentQueue<JiraUserRead> _userReads = new();

    /// <summary>The site's fields (id, name); the default is a few system fields and one custom field.</summary>
    public List<(string Id, string Name)> Fields { get; } =
    [
        ("summary", "Summary"), ("status", "Status"), ("priority", "Priority"), ("labels", "Labels"), ("issuetype", "Issue Type"),
        ("project", "Project"), ("assignee", "Assignee"), ("description", "Description"), ("customfield_10016", "Story Points"),
    ];

    /// <summary>When set, the answer to the field list (e.g. 503) instead of <see cref="Fields"/>.</summary>
    public (int Status, string Body)? FieldsAnswer { get; set; }

    /// <summary>Issues by key as "Get issue" returns them to a user who may browse them.</summary>
    public ConcurrentDictionary<string, JsonObject> UserIssues { get; } = new(StringComparer.Ordinal);

    /// <summary>Raw "Get issue" answers by key, sent as-is with 200 (JSON Jira could send but a parser may choke on).</summary>
    public ConcurrentDictionary<string, string> RawIssues { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<JiraUserRead> UserReads => [.. _userReads];

    private async Task<bool> TryUserReadAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        var path = context.Request.Path.Value ?? string.Empty;
        var isIssue = path.StartsWith("/rest/api/3/issue/", StringComparison.Ordinal) && path.Count(c => c == '/') == 5;
        if (context.Request.Method != "GET" || token is null || !_tokens.TryGetValue(token, out var accountId) || (path != "/rest/api/3/field" && !isIssue))
        {
            return false;
        }

        _userReads.Enqueue(new JiraUserRead(path, context.Request.QueryString.Value ?? string.Empty, accountId));
        (int Status, string Body) answer;
        if (!isIssue)
        {
            answer = FieldsAnswer ?? (200, new JsonArray([.. Fields.Select(f => (JsonNode)new JsonObject
            {
                ["id"] = f.Id,
                ["key"] = f.Id,
                ["name"] = f.Name,
                ["custom"] = f.Id.StartsWith("customfield_", StringComparison.Ordinal),
                ["schema"] = new JsonObject { ["type"] = "string" },
            })]).ToJsonString());
        }
        else
        {
            var key = path["/rest/api/3/issue/".Length..];
            answer = RawIssues.TryGetValue(key, out var raw) ? (200, raw)
                : MissingIssues.ContainsKey(key) || accountId is null || !UserIssues.TryGetValue(key, out var issue)
                || !IssueGrant(accountId, key, "BROWSE_PROJECTS")
                ? (404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}""")
                : (200, issue.ToJsonString());
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        await WriteOrStallAsync(context, answer.Body);
        return true;
    }
}
