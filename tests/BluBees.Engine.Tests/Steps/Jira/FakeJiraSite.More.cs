using System.Globalization;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// The Jira REST v3 endpoints of jira.create, jira.assign, jira.link and jira.search, in the documented shapes:
/// create answers 201 <c>{"id","key","self"}</c>; the enhanced search pages with <c>nextPageToken</c> (absent on the last page) and
/// answers <c>isLast</c> (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post).
/// </summary>
internal sealed partial class FakeJiraSite
{
    private int _created = 200;

    /// <summary>Issues the enhanced search finds, in order; <see cref="SearchPageCap"/> per page at most.</summary>
    public List<JsonObject> SearchResults { get; } = [];

    /// <summary>Jira caps a page below the requested maxResults; the search must follow nextPageToken.</summary>
    public int SearchPageCap { get; set; } = 100;

    /// <summary>What GET /rest/api/3/field lists.</summary>
    public JsonArray FieldList { get; } = new(
        new JsonObject { ["id"] = "summary", ["name"] = "Summary", ["custom"] = false },
        new JsonObject { ["id"] = "customfield_10016", ["name"] = "Story Points", ["custom"] = true },
        new JsonObject { ["id"] = "customfield_10020", ["name"] = "Team", ["custom"] = true },
        new JsonObject { ["id"] = "customfield_10021", ["name"] = "Team", ["custom"] = true });

    private (int Status, string Body)? MoreRoutes(string method, string path, JsonNode? body)
    {
        switch (method, path)
        {
            case ("POST", "/jira/rest/api/3/issue"):
                var fields = body?["fields"];
                if (ProjectOf(fields?["project"]) is not { } project || fields!["issuetype"]?["name"] is null || fields["summary"] is null)
                {
                    return (400, """{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}""");
                }

                if (ShapeError(fields.AsObject()) is { } field)
                {
                    return (400, new JsonObject { ["errorMessages"] = new JsonArray(), ["errors"] = new JsonObject { [field] = "Operation value must be of the field's type." } }.ToJsonString());
                }

                if (fields["parent"] is { } parent && !IsIssueRef(parent))
                {
                    return (400, """{"errorMessages":[],"errors":{"parent":"Could not find issue by id or key."}}""");
                }

                var id = Interlocked.Increment(ref _created).ToString(CultureInfo.InvariantCulture);
                var key = project + "-" + id;
                return (201, new JsonObject { ["id"] = "10" + id, ["key"] = key, ["self"] = "https://jira/rest/api/3/issue/10" + id }.ToJsonString());
            case ("POST", "/jira/rest/api/3/issueLink"):
                return body?["type"]?["name"] is null ? (400, """{"errorMessages":["No link type"],"errors":{}}""")
                    : !IsIssueRef(body["inwardIssue"]) || !IsIssueRef(body["outwardIssue"]) ? (404, """{"errorMessages":["Issue Does Not Exist"],"errors":{}}""")
                    : (201, string.Empty);
            case ("GET", "/jira/rest/api/3/field"):
                return (200, FieldList.ToJsonString());
            case ("POST", "/jira/rest/api/3/search/jql"):
                var start = body?["nextPageToken"] is JsonValue token ? int.Parse(token.GetValue<string>(), CultureInfo.InvariantCulture) : 0;
                var size = Math.Min(body?["maxResults"]?.GetValue<int>() ?? 50, SearchPageCap);
                var page = SearchResults.Skip(start).Take(size).Select(i => (JsonNode?)i.DeepClone()).ToArray();
                var result = new JsonObject { ["issues"] = new JsonArray(page), ["isLast"] = start + page.Length >= SearchResults.Count };
                if (start + page.Length < SearchResults.Count)
                {
                    result["nextPageToken"] = (start + page.Length).ToString(CultureInfo.InvariantCulture);
                }

                return (200, result.ToJsonString());
        }

        if (method == "PUT" && path.StartsWith("/jira/rest/api/3/issue/", StringComparison.Ordinal) && path.EndsWith("/assignee", StringComparison.Ordinal))
        {
            return body is JsonObject o && o.ContainsKey("accountId") ? (204, string.Empty) : (400, """{"errorMessages":["accountId is required"]}""");
        }

        return null;
    }

    /// <summary>
    /// An issue reference as Jira reads it: <c>{"id": digits}</c> or <c>{"key": "PRJ-12"}</c> (LinkedIssue:
    /// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-links/#api-rest-api-3-issuelink-post).
    /// A key always starts with its project key (a letter first), so an id sent as a key names no issue.
    /// </summary>
    private static bool IsIssueRef(JsonNode? node)
        => node?["id"] is JsonValue id ? id.GetValue<string>().All(char.IsAsciiDigit)
        : node?["key"] is JsonValue key && System.Text.RegularExpressions.Regex.IsMatch(key.GetValue<string>(), "^[A-Za-z][A-Za-z0-9_]*-[0-9]+$");

    /// <summary>
    /// The system fields whose value is not a plain string, as Jira v3 reads them
    /// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#version: <c>description</c> and
    /// <c>environment</c> are documents; create issue's example:
    /// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post —
    /// users are objects, components and versions lists of objects): the first field sent in another shape, or null.
    /// </summary>
    private static string? ShapeError(JsonObject fields)
    {
        foreach (var (name, value) in fields)
        {
            var ok = name switch
            {
                "description" or "environment" => value is JsonObject doc && doc["type"] is JsonValue type && type.GetValue<string>() == "doc",
                "reporter" or "assignee" => value is JsonObject,
                "components" or "fixVersions" or "versions" => value is JsonArray list && list.All(v => v is JsonObject),
                _ => true,
            };
            if (!ok)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The project of a create, by <c>{"key"}</c> or <c>{"id"}</c> (a project given by id is keyed "P" + its id here).</summary>
    private static string? ProjectOf(JsonNode? node)
        => node?["key"] is JsonValue key && System.Text.RegularExpressions.Regex.IsMatch(key.GetValue<string>(), "^[A-Za-z][A-Za-z0-9_]*$") ? key.GetValue<string>()
        : node?["id"] is JsonValue id && id.GetValue<string>().All(char.IsAsciiDigit) ? "P" + id.GetValue<string>()
        : null;
}
