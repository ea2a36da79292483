using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Harness;

/// <summary>One page request to the enhanced JQL search, as it arrived.</summary>
public sealed record JiraSearchCall(string? Authorization, string? Jql, string? NextPageToken, int? MaxResults, IReadOnlyList<string> Fields);

/// <summary>
/// The enhanced JQL search, <c>POST /rest/api/3/search/jql</c>, in Jira's documented shape
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post):
/// body <c>{jql, fields, maxResults, nextPageToken}</c>, answer <c>{issues: [{id, key, fields}], nextPageToken?, isLast}</c>.
/// Every JQL matches <see cref="SearchIssues"/>; pages hold at most <see cref="SearchPageSize"/> issues (and at most
/// the request's maxResults). Only the <see cref="SystemToken"/> is accepted.
/// </summary>
public sealed partial class FakeJira
{
    public const string SearchPath = "/rest/api/3/search/jql";
    private readonly ConcurrentQueue<JiraSearchCall> _searches = new();

    /// <summary>The issues every search matches, in order: (id, key).</summary>
    public List<(string Id, string Key)> SearchIssues { get; } = [];

    /// <summary>The largest page the fake returns (small, to exercise paging).</summary>
    public int SearchPageSize { get; set; } = 2;

    /// <summary>When set, every search answers with this status (e.g. 400 for bad JQL, 429).</summary>
    public int? SearchStatus { get; set; }

    /// <summary>When set with <see cref="SearchStatus"/>, the failed search's <c>Retry-After</c> header (e.g. "1800").</summary>
    public string? SearchRetryAfter { get; set; }

    /// <summary>
    /// When set with <see cref="SearchStatus"/>, the failed search's <c>X-RateLimit-Reset</c> ("the timestamp (in ISO 8601
    /// format) when the rate limit will reset … yyyy-MM-ddTHH:mmZ": https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
    /// </summary>
    public string? SearchRateLimitReset { get; set; }

    /// <summary>Called at each search, before it is answered (a test moves its clock, or makes a later page fail).</summary>
    public Action<JiraSearchCall>? OnSearch { get; set; }

    public IReadOnlyList<JiraSearchCall> Searches => [.. _searches];

    private async Task HandleSearchAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject ?? [];
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = body["nextPageToken"]?.GetValue<string>();
        var max = body["maxResults"]?.GetValue<int>();
        var fields = (body["fields"] as JsonArray ?? []).Select(f => f!.GetValue<string>()).ToList();
        var call = new JiraSearchCall(authorization.Length == 0 ? null : authorization, body["jql"]?.GetValue<string>(), token, max, fields);
        _searches.Enqueue(call);
        OnSearch?.Invoke(call);

        context.Response.ContentType = "application/json";
        if (SystemToken is null || authorization != "Bearer " + SystemToken)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("""{"errorMessages":["Unauthorized"]}""");
            return;
        }

        if (SearchStatus is { } status)
        {
            context.Response.StatusCode = status;
            if (SearchRetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }

            if (SearchRateLimitReset is { } reset)
            {
                context.Response.Headers["X-RateLimit-Reset"] = reset;
            }

            await context.Response.WriteAsync("""{"errorMessages":["Error in the JQL Query"],"errors":{}}""");
            return;
        }

        var offset = token is null ? 0 : int.Parse(token["page-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var size = Math.Min(SearchPageSize, max ?? 50);
        var page = SearchIssues.Skip(offset).Take(size).ToList();
        var issues = new JsonArray([.. page.Select(i => (JsonNode)new JsonObject
        {
            ["expand"] = "",
            ["id"] = i.Id,
            ["self"] = Address + "rest/api/3/issue/" + i.Id,
            ["key"] = i.Key,
            ["fields"] = new JsonObject
            {
                ["summary"] = "Issue " + i.Key,
                ["project"] = new JsonObject { ["key"] = i.Key.Split('-')[0] },
                ["status"] = new JsonObject { ["name"] = "To Do" },
            },
        })]);
        var next = offset + page.Count;
        var answer = new JsonObject { ["issues"] = issues, ["isLast"] = next >= SearchIssues.Count };
        if (next < SearchIssues.Count)
        {
            answer["nextPageToken"] = "page-" + next;
        }

        context.Response.StatusCode = 200;
        await context.Response.WriteAsync(answer.ToJsonString());
    }
}
