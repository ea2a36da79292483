using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Harness;

/// <summary>One "Parse JQL query" call, as it arrived.</summary>
public sealed record JiraJqlParseCall(string Validation, IReadOnlyList<string> Queries, string? AccountId);

/// <summary>
/// "Parse JQL query", <c>POST /rest/api/3/jql/parse?validation=strict|warn|none</c>, in Jira's documented shape
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-jql/#api-rest-api-3-jql-parse-post): body
/// <c>{"queries": ["…"]}</c>, answer <c>{"queries": [{"query", "structure"?, "errors"?}]}</c>, validated in the context of
/// the user whose token (one <see cref="IssueUserToken"/> issued) calls it; 401 for any other token. A query is malformed
/// when it is not a chain of <c>field operator value</c> clauses joined by AND/OR (e.g. <c>project = </c>): errors
/// ending with Jira's "(line 1, character N)" position, no structure. A well-formed query naming a value in
/// <see cref="UnknownJqlValues"/> gets an error and, with <c>warn</c> or <c>none</c>, its structure, as Jira does.
/// </summary>
public sealed partial class FakeJira
{
    public const string JqlParsePath = "/rest/api/3/jql/parse";
    private readonly ConcurrentQueue<JiraJqlParseCall> _jqlParses = new();

    /// <summary>Values (e.g. a project key) that do not exist for the user: a well-formed query naming one fails validation.</summary>
    public ConcurrentDictionary<string, bool> UnknownJqlValues { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When set, every parse answers with this status (e.g. 503).</summary>
    public int? JqlParseStatus { get; set; }

    public IReadOnlyList<JiraJqlParseCall> JqlParses => [.. _jqlParses];

    private async Task<bool> TryJqlParseAsync(HttpContext context)
    {
        if (context.Request.Method != "POST" || context.Request.Path != JqlParsePath)
        {
            return false;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject ?? [];
        var queries = (body["queries"] as JsonArray ?? []).Select(q => q?.GetValue<string>() ?? string.Empty).ToList();
        var validation = context.Request.Query["validation"].ToString();
        var known = token is not null && _tokens.TryGetValue(token, out _);
        _jqlParses.Enqueue(new JiraJqlParseCall(validation, queries, known ? _tokens[token!] : null));

        context.Response.ContentType = "application/json";
        if (!known)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("""{"errorMessages":["Unauthorized"]}""");
            return true;
        }

        if (JqlParseStatus is { } status)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsync("""{"errorMessages":["Service unavailable"]}""");
            return true;
        }

        var answers = new JsonArray();
        foreach (var query in queries)
        {
            var answer = new JsonObject { ["query"] = query };
            var clauses = Clause().Matches(query);
            var formed = query.Trim().Length > 0 && Chain().IsMatch(query);
            if (!formed)
            {
                var at = clauses.Sum(c => c.Length) + 1;
                answer["errors"] = new JsonArray($"Error in the JQL Query: Expecting either a value, list or function but got 'EOF'. You must surround '{query}' in quotation marks to use it as a value. (line 1, character {at})");
            }
            else
            {
                var unknown = clauses.Select(c => (Field: c.Groups["field"].Value, Value: c.Groups["value"].Value)).FirstOrDefault(c => UnknownJqlValues.ContainsKey(c.Value));
                if (unknown.Value is not null)
                {
                    answer["errors"] = new JsonArray($"The value '{unknown.Value}' does not exist for the field '{unknown.Field}'.");
                }

                if (unknown.Value is null || validation != "strict")
                {
                    answer["structure"] = new JsonObject
                    {
                        ["where"] = new JsonObject
                        {
                            ["clauses"] = new JsonArray([.. clauses.Select(c => (JsonNode)new JsonObject
                            {
                                ["field"] = new JsonObject { ["name"] = c.Groups["field"].Value, ["encodedName"] = c.Groups["field"].Value },
                                ["operator"] = c.Groups["op"].Value,
                                ["operand"] = new JsonObject { ["value"] = c.Groups["value"].Value, ["encodedValue"] = c.Groups["value"].Value },
                            })]),
                            ["operator"] = "and",
                        },
                    };
                }
            }

            answers.Add(answer);
        }

        context.Response.StatusCode = 200;
        await context.Response.WriteAsync(new JsonObject { ["queries"] = answers }.ToJsonString());
        return true;
    }

    [GeneratedRegex(@"(?<field>[A-Za-z_][A-Za-z0-9_]*)\s*(?<op>!=|=|~|!~|<=|>=|<|>|\bin\b|\bnot in\b)\s*(?<value>[A-Za-z0-9_\-""]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Clause();

    [GeneratedRegex(@"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(!=|=|~|!~|<=|>=|<|>|\bin\b|\bnot in\b)\s*[A-Za-z0-9_\-""]+(\s+(AND|OR)\s+[A-Za-z_][A-Za-z0-9_]*\s*(!=|=|~|!~|<=|>=|<|>|\bin\b|\bnot in\b)\s*[A-Za-z0-9_\-""]+)*(\s+ORDER BY\s+[A-Za-z_]+(\s+(ASC|DESC))?)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Chain();
}
