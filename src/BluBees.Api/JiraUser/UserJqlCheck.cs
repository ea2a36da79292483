using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BluBees.Engine.Tenancy;

namespace BluBees.Api.JiraUser;

/// <summary>What Jira said about a schedule's JQL, asked as the saving user.</summary>
internal enum JqlVerdict
{
    /// <summary>Jira parsed and validated it.</summary>
    Valid,

    /// <summary>Jira cannot parse it (no query structure): no search with it can ever work.</summary>
    Malformed,

    /// <summary>It parses, but names a field, value or function that does not exist or this user cannot see.</summary>
    UnknownValues,

    /// <summary>Jira could not be asked (no user token, refused, unavailable, unreadable answer).</summary>
    NotChecked,
}

/// <summary>The verdict, and where Jira found a parse error (line and character: numbers only, never Jira's text).</summary>
internal sealed record JqlCheck(JqlVerdict Verdict, int? Line = null, int? Character = null);

/// <summary>
/// Checks a schedule's JQL when the admin saves it: Jira's "Parse JQL query"
/// (<c>POST /rest/api/3/jql/parse?validation=warn</c>, body <c>{"queries": ["…"]}</c>, answer
/// <c>{"queries": [{"query", "structure"?, "errors"?: ["…"]}]}</c>;
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-jql/#api-rest-api-3-jql-parse-post), asked with
/// the user's own token (Jira validates "in context of the current user"). With <c>warn</c>, a query that is correctly
/// formed keeps its structure even when validation fails, which separates a malformed JQL (no structure) from one
/// that names something this user cannot see (the app's token, which runs the search, may see it). Jira's error text is
/// never kept: only the "(line L, character C)" position it ends with.
/// </summary>
internal sealed partial class UserJqlCheck(JiraUserClient jira)
{
    public const string ParsePath = "/rest/api/3/jql/parse?validation=warn";

    public async Task<JqlCheck> CheckAsync(TenantContext tenant, string? userToken, string jql, CancellationToken ct)
    {
        var read = await jira.PostAsync(tenant, userToken, ParsePath, new JsonObject { ["queries"] = new JsonArray(jql) }, ct);
        if (read is not { Status: JiraReadStatus.Ok, Body: JsonObject answer } || answer["queries"] is not JsonArray { Count: 1 } queries
            || queries[0] is not JsonObject parsed)
        {
            return new JqlCheck(JqlVerdict.NotChecked);
        }

        var errors = (parsed["errors"] as JsonArray ?? []).Select(e => e is JsonValue v && v.TryGetValue<string>(out var text) ? text : string.Empty).ToList();
        if (errors.Count == 0)
        {
            return new JqlCheck(JqlVerdict.Valid);
        }

        if (parsed["structure"] is JsonObject)
        {
            return new JqlCheck(JqlVerdict.UnknownValues);
        }

        foreach (var error in errors)
        {
            if (Position().Match(error) is { Success: true } m
                && int.TryParse(m.Groups[1].ValueSpan, out var line) && int.TryParse(m.Groups[2].ValueSpan, out var character))
            {
                return new JqlCheck(JqlVerdict.Malformed, line, character);
            }
        }

        return new JqlCheck(JqlVerdict.Malformed);
    }

    [GeneratedRegex(@"\(line ([0-9]{1,6}), character ([0-9]{1,6})\)", RegexOptions.CultureInvariant)]
    private static partial Regex Position();
}
