using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Egress;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>One request the fake Jira received, with the fake clock's time at arrival.</summary>
internal sealed record JiraRequestSeen(string Method, string Path, string? Authorization, string? Trace, string? ContentType, JsonNode? Body, DateTimeOffset At);

/// <summary>
/// A loopback Jira (raw HTTP/1.1 on 127.0.0.1) that speaks the REST v3 endpoints the Jira steps use: issue, comment,
/// edit, transitions. It records every request and can answer 429 with <c>Retry-After</c> a given number of times.
/// </summary>
internal sealed partial class FakeJiraSite : IAsyncDisposable
{
    public const string Token = "sys-token-for-tests";
    private readonly LoopbackServer _server;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<JiraRequestSeen> _seen = new();
    private int _throttle;
    private int _deny;
    private int _denyStatus = 401;
    private string? _refusal;

    private FakeJiraSite(TimeProvider time)
    {
        _time = time;
        _server = LoopbackServer.Start(HandleAsync);
    }

    public static FakeJiraSite Start(TimeProvider time) => new(time);

    public Uri BaseUrl => _server.Url("/jira");

    public IReadOnlyList<JiraRequestSeen> Requests => [.. _seen];

    /// <summary>The token Jira accepts (anything else: 401).</summary>
    public string AcceptedToken { get; set; } = Token;

    /// <summary>The <c>Retry-After</c> value sent with a throttling answer (null: none).</summary>
    public string? RetryAfter { get; set; } = "2";

    /// <summary>
    /// The status of a throttling answer: 429, or 503, which Jira sends "when a resource limit has been reached",
    /// with <c>Retry-After</c> (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
    /// </summary>
    public int ThrottleStatus { get; set; } = 429;

    /// <summary>
    /// Jira's <c>X-RateLimit-Reset</c> sent with a throttling answer (null: none): "the timestamp (in ISO 8601 format)
    /// when the rate limit will reset … yyyy-MM-ddTHH:mmZ" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
    /// </summary>
    public string? RateLimitReset { get; set; }

    /// <summary>Answers the next <paramref name="times"/> requests with <see cref="ThrottleStatus"/>.</summary>
    public void Throttle(int times) => Volatile.Write(ref _throttle, times);

    /// <summary>Answers the next <paramref name="times"/> requests with <paramref name="status"/> (401 or 403), as Jira does before an app's grants work.</summary>
    /// <summary>Answers the next request with 400 and <paramref name="body"/> (Jira's ErrorCollection: errorMessages, errors by field).</summary>
    public void Refuse(string body) => Volatile.Write(ref _refusal, body);

    public void Deny(int times, int status)
    {
        _denyStatus = status;
        Volatile.Write(ref _deny, times);
    }

    public JsonArray Transitions { get; } = new(
        new JsonObject { ["id"] = "11", ["name"] = "To Do" },
        new JsonObject { ["id"] = "21", ["name"] = "In Progress" },
        new JsonObject { ["id"] = "31", ["name"] = "Done" });

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(RecordedRequest request, Stream stream, CancellationToken ct)
    {
        var path = request.Target.Split('?')[0];
        JsonNode? body = request.Body.Length == 0 ? null : JsonNode.Parse(request.Body);
        _seen.Enqueue(new JiraRequestSeen(request.Method, path, request.Header("Authorization"), request.Header("X-Atlassian-Webhook-Trace"), request.Header("Content-Type"), body, _time.GetUtcNow()));
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            var headers = new List<(string, string)>();
            if (RetryAfter is not null)
            {
                headers.Add(("Retry-After", RetryAfter));
            }

            if (RateLimitReset is not null)
            {
                headers.Add(("X-RateLimit-Reset", RateLimitReset));
            }

            await LoopbackServer.RespondAsync(stream, ThrottleStatus, """{"errorMessages":["Rate limit exceeded"],"errors":{}}""", ct, [.. headers, ("Content-Type", "application/json")]);
            return;
        }

        if (Interlocked.Exchange(ref _refusal, null) is { } refusal)
        {
            await Json(stream, 400, refusal, ct);
            return;
        }

        if (Interlocked.Decrement(ref _deny) >= 0)
        {
            await Json(stream, _denyStatus, """{"errorMessages":["The app is not permitted yet"]}""", ct);
            return;
        }

        if (request.Header("Authorization") != "Bearer " + AcceptedToken)
        {
            await Json(stream, 401, """{"errorMessages":["Unauthorized"]}""", ct);
            return;
        }

        var (status, answer) = Route(request.Method, path, body);
        await Json(stream, status, answer, ct);
    }

    private (int Status, string Body) Route(string method, string path, JsonNode? body)
    {
        const string prefix = "/jira/rest/api/3/issue/";
        if (MoreRoutes(method, path, body) is { } more)
        {
            return more;
        }

        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (404, """{"errorMessages":["Not found"]}""");
        }

        var parts = Uri.UnescapeDataString(path[prefix.Length..]).Split('/');
        var key = parts[0];
        var sub = parts.Length > 1 ? parts[1] : string.Empty;
        return (method, sub) switch
        {
            ("GET", "") => (200, new JsonObject { ["id"] = "10017", ["key"] = key, ["fields"] = new JsonObject { ["summary"] = "Fetched " + key, ["labels"] = new JsonArray("a", "b") } }.ToJsonString()),
            ("PUT", "") when SetOperandError(body) is { } field => (400, new JsonObject { ["errorMessages"] = new JsonArray(), ["errors"] = new JsonObject { [field] = "Operation value must be an array." } }.ToJsonString()),
            ("PUT", "") => (204, string.Empty),
            ("POST", "comment") when body?["body"]?["type"]?.GetValue<string>() == "doc" => (201, """{"id":"100200","self":"https://jira/rest/api/3/issue/x/comment/100200"}"""),
            ("GET", "transitions") => (200, new JsonObject { ["transitions"] = Transitions.DeepClone() }.ToJsonString()),
            ("POST", "transitions") when Transitions.Any(t => t!["id"]!.GetValue<string>() == body?["transition"]?["id"]?.GetValue<string>()) => (204, string.Empty),
            ("POST", "transitions") => (400, """{"errorMessages":["Transition id is not valid"]}"""),
            _ => (400, """{"errorMessages":["Bad request"]}"""),
        };
    }

    /// <summary>
    /// The list fields' <c>set</c> operation replaces the whole list, so its operand is an array
    /// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put):
    /// the first such field whose <c>set</c> is not, or null.
    /// </summary>
    private static string? SetOperandError(JsonNode? body)
    {
        foreach (var (name, operations) in body?["update"] as JsonObject ?? [])
        {
            if (name is "labels" or "components" or "fixVersions" or "versions"
                && (operations as JsonArray ?? []).Any(o => o is JsonObject op && op.ContainsKey("set") && op["set"] is not JsonArray))
            {
                return name;
            }
        }

        return null;
    }

    private static Task Json(Stream stream, int status, string body, CancellationToken ct)
        => LoopbackServer.RespondAsync(stream, status, Encoding.UTF8.GetBytes(body), ct, ("Content-Type", "application/json"));
}
