using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BluBees.Cli.Commands;

/// <summary>
/// A local stand-in for a Jira Cloud site, for trying <c>jira.*</c> steps in development: it keeps issues in memory,
/// answers the Jira REST v3 calls the steps make (issue get/edit/create/assign, comment, transitions, links, JQL search without parsing the JQL, fields) in Jira's documented shapes
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/), accepts only the system token it
/// was given, and prints every call (method, path, whether the token matched, the trace) — never bodies.
/// The backend reaches it through <c>Jira__ApiBaseUrlOverride</c>; <c>event send</c> sends the same system token.
/// </summary>
internal sealed class DevJira : IAsyncDisposable
{
    public const string DefaultSystemToken = "dev-system-token";
    private static readonly (string Id, string Name, string StatusId, string Category)[] Workflow =
    [
        ("11", "To Do", "10000", "new"), ("21", "In Progress", "10001", "indeterminate"), ("31", "Done", "10002", "done"),
    ];

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _issues = new(StringComparer.OrdinalIgnoreCase);
    private readonly TextWriter _output;
    private readonly string _systemToken;
    private int _nextComment = 100_000;

    private DevJira(WebApplication app, TextWriter output, string systemToken)
    {
        _app = app;
        _output = output;
        _systemToken = systemToken;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>The issue as the fake holds it now (a copy), or null.</summary>
    public JsonObject? Issue(string key) => _issues.TryGetValue(key, out var issue) ? (JsonObject)issue.DeepClone() : null;

    public static async Task<DevJira> StartAsync(int port, string systemToken, TextWriter output)
    {
        var builder = LoopbackBuilder.Create();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var app = builder.Build();
        var jira = new DevJira(app, output, systemToken);
        app.Run(jira.HandleAsync);
        await app.StartAsync();
        jira.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return jira;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var authorization = request.Headers.Authorization.ToString();
        var trace = request.Headers["X-Atlassian-Webhook-Trace"].ToString();
        var (status, answer) = await AnswerAsync(context, path, authorization);
        var who = authorization == "Bearer " + _systemToken ? "system token ok" : authorization.Length == 0 ? "no token" : "user or unknown token";
        _output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {request.Method} {path} → {status} ({who}{(trace.Length > 0 ? ", trace " + trace : string.Empty)})");
        context.Response.StatusCode = status;
        if (answer is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
        }
    }

    private async Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context, string path, string authorization)
    {
        if (path == "/rest/api/3/mypermissions")
        {
            // Development: every user holds every permission asked for (the backend's admin, browse and edit checks).
            var asked = context.Request.Query["permissions"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
            var permissions = new JsonObject();
            foreach (var permission in asked.DefaultIfEmpty("ADMINISTER"))
            {
                permissions[permission] = new JsonObject { ["key"] = permission, ["havePermission"] = true };
            }

            return (200, new JsonObject { ["permissions"] = permissions });
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is ["rest", "api", "3", "issue"] or ["rest", "api", "3", "issueLink"] or ["rest", "api", "3", "search", "jql"] or ["rest", "api", "3", "field"])
        {
            if (authorization != "Bearer " + _systemToken)
            {
                return (401, Errors("Unauthorized: send the development system token (blubees event send --system-token)."));
            }

            var json = await ReadAsync(context);
            return (segments[3], context.Request.Method) switch
            {
                ("issue", "POST") => Create(json),
                ("issueLink", "POST") => json?["type"]?["name"] is null ? (400, Errors("A link type is required.")) : (201, null),
                ("search", "POST") => Search(json),
                ("field", "GET") => (200, new JsonArray(
                    new JsonObject { ["id"] = "summary", ["name"] = "Summary", ["custom"] = false },
                    new JsonObject { ["id"] = "labels", ["name"] = "Labels", ["custom"] = false },
                    new JsonObject { ["id"] = "customfield_10016", ["name"] = "Story Points", ["custom"] = true })),
                _ => (405, Errors("Not supported by the development Jira.")),
            };
        }

        if (segments is not ["rest", "api", "3", "issue", var key, ..] || segments.Length > 6)
        {
            return (404, Errors("Not found: this development Jira answers the issue, comment and transition calls of the jira.* steps."));
        }

        if (authorization != "Bearer " + _systemToken)
        {
            return (401, Errors("Unauthorized: send the development system token (blubees event send --system-token)."));
        }

        var body = await ReadAsync(context);
        var issue = _issues.GetOrAdd(key, NewIssue);
        var method = context.Request.Method;
        return (segments.Length == 5 ? null : segments[5], method) switch
        {
            (null, "GET") => (200, issue.DeepClone()),
            (null, "PUT") => Edit(issue, body),
            ("comment", "POST") => Comment(issue, body),
            ("transitions", "GET") => (200, new JsonObject { ["transitions"] = new JsonArray([.. Workflow.Select(w => (JsonNode)Transition(w))]) }),
            ("transitions", "POST") => Transition(issue, body),
            ("assignee", "PUT") => Edit(issue, new JsonObject { ["fields"] = new JsonObject { ["assignee"] = body?["accountId"] is JsonValue a ? new JsonObject { ["accountId"] = a.DeepClone() } : null } }),
            _ => (405, Errors($"{method} is not supported on this resource by the development Jira.")),
        };
    }

    private static async Task<JsonObject?> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength is not > 0 && context.Request.Headers.TransferEncoding.Count == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted)) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private (int, JsonNode?) Create(JsonObject? body)
    {
        var fields = body?["fields"] as JsonObject;

        // Jira takes the project as {"key"} or {"id"} (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post);
        // an id names the project of an issue held here, whose fields carry both.
        var project = fields?["project"]?["key"]?.ToString()
            ?? (fields?["project"]?["id"]?.ToString() is { } projectId
                ? _issues.Values.Select(i => i["fields"]?["project"]).FirstOrDefault(p => p?["id"]?.ToString() == projectId)?["key"]?.ToString()
                : null);
        if (fields?["project"] is not null && project is null)
        {
            return (400, new JsonObject { ["errorMessages"] = new JsonArray(), ["errors"] = new JsonObject { ["project"] = "valid project is required" } });
        }

        if (project is not { Length: > 0 } || fields?["summary"] is null || fields["issuetype"]?["name"] is null)
        {
            return (400, new JsonObject { ["errorMessages"] = new JsonArray(), ["errors"] = new JsonObject { ["summary"] = "project, issuetype and summary are required" } });
        }

        var number = _issues.Keys.Count(k => k.StartsWith(project + "-", StringComparison.OrdinalIgnoreCase)) + 1000;
        var key = $"{project.ToUpperInvariant()}-{number.ToString(CultureInfo.InvariantCulture)}";
        var issue = NewIssue(key);
        lock (issue)
        {
            foreach (var (name, value) in fields)
            {
                issue["fields"]![name] = value?.DeepClone();
            }

            issue["fields"]!["status"] = Status(Workflow[0]);
            issue["fields"]!["comment"] = new JsonObject { ["comments"] = new JsonArray(), ["total"] = 0 };
        }

        _issues[key] = issue;
        return (201, new JsonObject { ["id"] = issue["id"]!.DeepClone(), ["key"] = key, ["self"] = $"/rest/api/3/issue/{key}" });
    }

    /// <summary>The development Jira does not parse JQL: it answers every issue it holds, at most maxResults.</summary>
    private (int, JsonNode?) Search(JsonObject? body)
    {
        var max = body?["maxResults"] is JsonValue m && m.TryGetValue<int>(out var n) ? Math.Clamp(n, 1, 100) : 50;
        var issues = _issues.Values.Take(max).Select(i => (JsonNode?)i.DeepClone()).ToArray();

        // One page: the answer's isLast, and no nextPageToken (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post).
        return (200, new JsonObject { ["issues"] = new JsonArray(issues), ["isLast"] = true });
    }

    private static (int, JsonNode?) Edit(JsonObject issue, JsonObject? body)
    {
        lock (issue)
        {
            var fields = issue["fields"]!.AsObject();
            foreach (var (name, value) in body?["fields"] as JsonObject ?? [])
            {
                fields[name] = value?.DeepClone();
            }

            // "update": {"labels": [{"add": "x"}, {"remove": "y"}]}, as Jira documents for multi-value fields.
            foreach (var (name, operations) in body?["update"] as JsonObject ?? [])
            {
                var values = (fields[name] as JsonArray ?? []).Select(v => v?.DeepClone()).ToList();
                foreach (var op in operations as JsonArray ?? [])
                {
                    if (op?["set"] is JsonArray set)
                    {
                        values = [.. set.Select(v => v?.DeepClone())];
                    }

                    if (op?["add"] is { } add && !values.Any(v => JsonNode.DeepEquals(v, add)))
                    {
                        values.Add(add.DeepClone());
                    }

                    if (op?["remove"] is { } remove)
                    {
                        values.RemoveAll(v => JsonNode.DeepEquals(v, remove));
                    }
                }

                fields[name] = new JsonArray([.. values]);
            }
        }

        return (204, null);
    }

    private (int, JsonNode?) Comment(JsonObject issue, JsonObject? body)
    {
        var id = Interlocked.Increment(ref _nextComment).ToString(CultureInfo.InvariantCulture);
        var comment = new JsonObject { ["id"] = id, ["body"] = body?["body"]?.DeepClone(), ["created"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzz00", CultureInfo.InvariantCulture) };
        lock (issue)
        {
            var comments = issue["fields"]!["comment"]!["comments"]!.AsArray();
            comments.Add(comment.DeepClone());
            issue["fields"]!["comment"]!["total"] = comments.Count;
        }

        return (201, comment);
    }

    private static (int, JsonNode?) Transition(JsonObject issue, JsonObject? body)
    {
        var id = body?["transition"]?["id"]?.ToString();
        var step = Workflow.FirstOrDefault(w => w.Id == id);
        if (step.Id is null)
        {
            return (400, Errors($"Transition id '{id}' is not valid for this issue."));
        }

        lock (issue)
        {
            issue["fields"]!["status"] = Status(step);
        }

        return (204, null);
    }

    private static JsonObject NewIssue(string key) => new()
    {
        ["id"] = (10_000 + Math.Abs(StringComparer.OrdinalIgnoreCase.GetHashCode(key) % 90_000)).ToString(CultureInfo.InvariantCulture),
        ["key"] = key.ToUpperInvariant(),
        ["fields"] = new JsonObject
        {
            ["summary"] = "Checkout fails with a 502 on large carts",
            ["status"] = Status(Workflow[0]),
            ["issuetype"] = new JsonObject { ["id"] = "10004", ["name"] = "Bug" },
            ["project"] = new JsonObject { ["id"] = "10000", ["key"] = key.Split('-')[0].ToUpperInvariant(), ["name"] = "Operations" },
            ["priority"] = new JsonObject { ["id"] = "2", ["name"] = "High" },
            ["labels"] = new JsonArray("customer-facing"),
            ["assignee"] = null,
            ["comment"] = new JsonObject { ["comments"] = new JsonArray(), ["total"] = 0 },
        },
    };

    private static JsonObject Transition((string Id, string Name, string StatusId, string Category) w) =>
        new() { ["id"] = w.Id, ["name"] = w.Name, ["to"] = Status(w) };

    private static JsonObject Status((string Id, string Name, string StatusId, string Category) w) =>
        new() { ["id"] = w.StatusId, ["name"] = w.Name, ["statusCategory"] = new JsonObject { ["key"] = w.Category } };

    private static JsonObject Errors(string message) => new() { ["errorMessages"] = new JsonArray(message), ["errors"] = new JsonObject() };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
