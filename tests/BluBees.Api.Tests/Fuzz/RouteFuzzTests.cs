using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// A seeded fuzzer over every route that reads input: each starts from a valid request and, at nodes picked by a
/// fixed-seed random walk, applies structural mutations the field batteries do not — values nested to the deepest the
/// parser accepts (and one past it), arrays of 100 000 items, 100 KB strings, removed fields, RTL marks and NUL — and
/// every path value and query parameter gets malformed, very long and repeated values. Each answer must be below 500,
/// a 4xx must be a ProblemDetails naming the field, and whatever a 2xx saved must read back (no lost data). The app
/// must still answer afterwards. A failing case prints its route, node and mutation, which the seed reproduces.
/// </summary>
public sealed class RouteFuzzTests : BackendFixture
{
    private const int Seed = 20261205;
    /// <summary>Every node of the bodies here (the whole sweep takes seconds); the seed orders them.</summary>
    private const int NodesPerRoute = 400;

    private string _tenant = null!;
    private string _connection = null!;
    private string _ruleId = null!;
    private string _manualRuleId = null!;
    private string _hookId = null!;
    private string _hookSecret = null!;
    private string _ai = null!;
    private int _counter;

    public enum BodyRoute { CreateRule, UpdateRule, ValidateRule, DryRunUnsaved, DryRunSaved, ManualRun, CreateConnection, CreateWebhook, CreateGrant, Events, Webhook, Lifecycle, CreateRichRule, DryRunRichRule, WebhookEnvelope, Scheduled, Uninstall }

    public enum Mutation { Removed, DeepestAccepted, OnePastDeepest, HugeArray, LongString, RtlAndNul, Emptied, HugeNumber, NegativeFraction, HugeObject, CaseVariant }

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _connection = await CreateConnectionAsync(_tenant);
        _ai = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", _tenant, new JsonObject
        {
            ["name"] = "OpenAI", ["baseUrl"] = new Uri(ThirdParty.Address, "/v1").ToString(),
            ["auth"] = new JsonObject { ["type"] = "bearer" }, ["secret"] = "k", ["provider"] = "openai",
        }, 201))["id"]!.GetValue<string>();
        _ruleId = (await CreateRuleAsync(_tenant, Samples.Rule(_connection)))["id"]!.GetValue<string>();
        _manualRuleId = (await CreateRuleAsync(_tenant, new JsonObject
        {
            ["name"] = "manual",
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "Run by hand" }),
        }))["id"]!.GetValue<string>();
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", _tenant, new JsonObject { ["name"] = "orders" }, 201);
        _hookId = hook["id"]!.GetValue<string>();
        _hookSecret = hook["secret"]!.GetValue<string>();
        var hookRule = Samples.Rule(_connection, "hook rule");
        hookRule["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = _hookId };
        await CreateRuleAsync(_tenant, hookRule);
    }

    private static readonly BodyRoute[] BodyRoutes = Enum.GetValues<BodyRoute>();

    [TestCaseSource(nameof(BodyRoutes))]
    public async Task Every_sampled_node_mutated_is_a_2xx_that_reads_back_or_a_4xx_naming_it(BodyRoute route)
    {
        var random = new Random(Seed + (int)route);
        var baseBody = Base(route);
        using (var unmutated = await SendAsync(route, Render(route, Rename(route, (JsonObject)baseBody.DeepClone()))))
        {
            Assert.That((int)unmutated.StatusCode, Is.InRange(200, 299), $"the unmutated body of {route}: {await unmutated.Content.ReadAsStringAsync()}");
        }

        var logged = Backend.Logs.Lines.Count;
        var nodes = Nodes(baseBody, "$").ToList();
        var picked = nodes.OrderBy(_ => random.Next()).Take(NodesPerRoute).OrderBy(n => n.Path, StringComparer.Ordinal).ToList();
        var failures = new List<string>();
        foreach (var (path, node) in picked)
        {
            foreach (var mutation in Enum.GetValues<Mutation>())
            {
                var body = (JsonObject)baseBody.DeepClone();
                if (!Apply(body, path, node, mutation, DepthOf(path)))
                {
                    continue;
                }

                var label = $"{route} {path} {mutation}";
                using var response = await SendAsync(route, Render(route, Rename(route, body)));
                // One past the deepest is refused by the parser, at a position; a removed field may leave a sibling invalid.
                // (A removed schema property leaves the 'required' naming it wrong: the sibling of its parent.)
                var field = mutation switch { Mutation.OnePastDeepest => null, Mutation.Removed or Mutation.Emptied => Parent(Parent(Field(route, path))), _ => Field(route, path) };
                // A case variant is refused where names are matched without regard to case: at either spelling.
                var problem = await CheckAsync(response, Ignored(route) ? null : field, alsoAccept: mutation == Mutation.CaseVariant ? Variant(field!) : null);
                if (problem is null && response.IsSuccessStatusCode)
                {
                    problem = await ReadsBackAsync(route, response);
                }

                if (problem is not null)
                {
                    failures.Add($"{label}: {problem}");
                }
            }
        }

        using var health = await Backend.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the app still answers");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(40)));

        // What was accepted ran without an error behind the answer (the worker, a store write): the queue drains first.
        await Waits.UntilAsync(async () => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=200", _tenant))["items"]!.AsArray().Count(r => r!["status"]?.GetValue<string>() is "queued" or "running"), n => n == 0);
        var errors = Backend.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors.Take(10).Select(Cut)));
    }

    /// <summary>Each path and query value of every <c>/api</c> GET/POST/DELETE that reads one, malformed.</summary>
    private static readonly string[] PathJunk =
    [
        // Not here: a NUL (%00), which Kestrel refuses with an empty 400 before any code of ours (docs/api.md, Errors), and
        // dot segments, which the client removes before sending.
        "%ED%A0%80", "%C3%28", "%E2%80%8F", "a%2Fb", "%20", "%25", "'%20OR%201=1", new string('x', 4000), "%F0%9F%98%80",
        "rule_" + new string('0', 200), "-1", "0", "99999999999999999999", "1e3", "%5Cu0000", "%FF", "%zz", "%",
    ];

    private static readonly string[] PathTemplates =
    [
        "GET /api/runs/{}", "GET /api/issues/{}/runs", "GET /api/issues/{}/manual-rules", "GET /api/issues/{}/sample-event",
        "POST /api/rules/{}/run", "GET /api/connections/{}", "PUT /api/connections/{}", "DELETE /api/connections/{}",
        "GET /api/rules/{}", "PUT /api/rules/{}", "DELETE /api/rules/{}", "POST /api/rules/{}/enable", "POST /api/rules/{}/disable",
        "GET /api/rules/{}/versions", "GET /api/rules/{rule}/versions/{}", "POST /api/rules/{rule}/versions/{}/restore",
        "POST /api/rules/{}/dry-run", "GET /api/rules/{}/trace", "GET /api/webhooks/{}", "DELETE /api/webhooks/{}",
        "POST /api/webhooks/{}/rotate-secret", "DELETE /api/support/grants/{}",
    ];

    private static IEnumerable<TestCaseData> PathCases() => PathTemplates.Select(t => new TestCaseData(t).SetName("path: " + t));

    [TestCaseSource(nameof(PathCases))]
    public async Task A_malformed_path_value_is_a_4xx_problem(string template)
    {
        var failures = new List<string>();
        var (method, path) = (new HttpMethod(template.Split(' ')[0]), template.Split(' ')[1]);
        foreach (var junk in PathJunk)
        {
            var target = path.Replace("{rule}", _ruleId, StringComparison.Ordinal).Replace("{}", junk, StringComparison.Ordinal);
            var body = method == HttpMethod.Get || method == HttpMethod.Delete ? null : BodyFor(path);
            using var response = await Backend.SendAsync(method, target, _tenant, body);
            var status = (int)response.StatusCode;
            var problem = await CheckAsync(response, null);
            if (problem is null && status < 400 && !(path.Contains("versions", StringComparison.Ordinal) && junk is "0" or "-1" or "1e3"))
            {
                problem = $"{status} for a junk value";
            }

            if (problem is not null)
            {
                failures.Add($"{template} with {(junk.Length > 40 ? junk[..40] + "…" : junk)}: {problem}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private static readonly (string Path, string Parameter, string Valid)[] Queries =
    [
        ("/api/runs", "limit", "5"), ("/api/runs", "cursor", ""), ("/api/runs", "status", "succeeded"), ("/api/runs", "ruleId", "{rule}"),
        ("/api/runs", "from", "2026-01-01T00:00:00Z"), ("/api/runs", "to", "2026-01-02T00:00:00Z"),
        ("/api/support/audit", "limit", "5"), ("/api/support/audit", "cursor", ""),
        ("/api/schedules/next?cron=0+8+*+*+1-5", "count", "3"), ("/api/schedules/next?count=3", "cron", "0 8 * * 1-5"), ("/api/schedules/next?cron=0+8+*+*+1-5", "timeZone", "UTC"),
        ("/api/issues/OPS-1/sample-event", "eventType", "avi:jira:updated:issue"), ("/api/issues/OPS-1/sample-event?eventType=avi:jira:updated:issue", "field", "status"),
        ("/api/issues/OPS-1/sample-event?eventType=avi:jira:updated:issue&field=status", "from", "To Do"), ("/api/issues/OPS-1/sample-event?eventType=avi:jira:updated:issue&field=status", "to", "Done"),
    ];

    private static IEnumerable<TestCaseData> QueryCases() => Queries.Select((q, i) => new TestCaseData(i).SetName($"query: {q.Path.Split('?')[0]} {q.Parameter}"));

    [TestCaseSource(nameof(QueryCases))]
    public async Task A_repeated_or_malformed_query_parameter_is_a_4xx_naming_it(int index)
    {
        var (path, parameter, valid) = Queries[index];
        valid = valid.Replace("{rule}", _ruleId, StringComparison.Ordinal);
        var join = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var values = new (string Query, bool MayPass)[]
        {
            ($"{parameter}={Uri.EscapeDataString(valid)}&{parameter}={Uri.EscapeDataString(valid)}", false),
            ($"{parameter}={Uri.EscapeDataString(valid)}&{parameter.ToUpperInvariant()}=x", true),
            ($"{parameter}=%00", false), ($"{parameter}=%ED%A0%80", false), ($"{parameter}=%E2%80%8F{Uri.EscapeDataString(valid)}", false),
            ($"{parameter}={new string('q', 3000)}", false), ($"{parameter}[]=1", true), ($"{parameter}", true), ($"{parameter}=", true),
            ($"{parameter}=%zz", false), ($"{parameter}=%", false), ($"{parameter}=%FF", false),
        };
        var failures = new List<string>();
        foreach (var (query, mayPass) in values)
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path + join + query, _tenant);
            var status = (int)response.StatusCode;
            // "limit[]" is another parameter, not "limit": named as an unknown one, "(property)", since odd names are never echoed.
            var field = status != 400 ? null : query.StartsWith(parameter + "[]", StringComparison.Ordinal) ? "(property)" : parameter;
            var problem = await CheckAsync(response, field, alsoAccept: parameter is "cron" or "timeZone" ? "trigger.schedule." + parameter : null);
            if (problem is null && status < 400 && !mayPass && !(valid.Length == 0 && query.EndsWith('=')))
            {
                problem = $"{status} for {query[..Math.Min(60, query.Length)]}";
            }

            if (problem is not null)
            {
                failures.Add($"{path} {query[..Math.Min(60, query.Length)]}: {problem}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private static readonly string[] UserTokens = ["", " ", new string('u', 8000), "Bearer x", "x,y", "\t", "null", "%00"];

    // Not here: /api/me, which answers from the Forge token alone; a value outside ASCII, which Kestrel refuses with an
    // empty 400 before any code of ours (reported, not fixed).
    [TestCase("/api/rules")]
    [TestCase("/api/issues/OPS-1/runs")]
    public async Task A_malformed_user_token_header_is_a_4xx_problem(string path)
    {
        var failures = new List<string>();
        foreach (var value in UserTokens)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.For(_tenant)));
            request.Headers.TryAddWithoutValidation(FakeJira.UserTokenHeader, value);
            using var response = await Backend.Client.SendAsync(request);
            var problem = await CheckAsync(response, null);
            if (problem is null && response.IsSuccessStatusCode)
            {
                problem = $"{(int)response.StatusCode} with a junk user token";
            }

            if (problem is not null)
            {
                failures.Add($"{(value.Length > 20 ? value[..20] + "…" : value)}: {problem}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private static async Task<string?> CheckAsync(HttpResponseMessage response, string? field, string? alsoAccept = null)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return $"{status} {Cut(text)}";
        }

        if (status < 400)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return $"{status} with content type {response.Content.Headers.ContentType?.MediaType}: {Cut(text)}";
        }

        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return $"{status} body is not JSON: {Cut(text)}";
        }

        if (problem?["status"]?.GetValue<int>() != status || problem["title"] is null)
        {
            return $"{status} is not a ProblemDetails: {Cut(text)}";
        }

        if (field is null || status is 401 or 403 or 404 or 409 or 413 or 415)
        {
            return null;
        }

        var keys = problem["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
        return keys.Any(k => Names(k, field) || (alsoAccept is not null && Names(k, alsoAccept))) ? null : $"{status} does not name '{field}': {Cut(text)}";
    }

    /// <summary>A key names the field when it is the field, a field inside it, or one of its parents (a removed or too-deep value).</summary>
    private static bool Names(string key, string field)
        => key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal)
           || field.StartsWith(key + ".", StringComparison.Ordinal) || field.StartsWith(key + "[", StringComparison.Ordinal) || key == "$" || field == "$";

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>What a 2xx saved reads back: the created rule, connection or webhook, the queued event's run.</summary>
    private async Task<string?> ReadsBackAsync(BodyRoute route, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var created = response.StatusCode == HttpStatusCode.Created || route is BodyRoute.UpdateRule ? JsonNode.Parse(text)?["id"]?.GetValue<string>() : null;
        var reads = route switch
        {
            BodyRoute.CreateRule or BodyRoute.CreateRichRule or BodyRoute.UpdateRule when created is not null => [$"/api/rules/{created}", $"/api/rules/{created}/versions", $"/api/rules/{created}/versions/1", $"/api/rules/{created}/trace", "/api/rules"],
            BodyRoute.CreateConnection when created is not null => [$"/api/connections/{created}", "/api/connections"],
            BodyRoute.CreateWebhook when created is not null => [$"/api/webhooks/{created}", "/api/webhooks"],
            BodyRoute.CreateGrant => ["/api/support/grants", "/api/support/audit"],
            BodyRoute.Events or BodyRoute.Webhook or BodyRoute.ManualRun => ["/api/runs?limit=50"],
            _ => Array.Empty<string>(),
        };
        foreach (var read in reads)
        {
            using var answer = await Backend.SendAsync(HttpMethod.Get, read, _tenant);
            if (!answer.IsSuccessStatusCode)
            {
                return $"accepted ({(int)response.StatusCode}) but GET {read} answered {(int)answer.StatusCode}: {Cut(await answer.Content.ReadAsStringAsync())}";
            }

            if (read.StartsWith("/api/runs", StringComparison.Ordinal))
            {
                foreach (var run in JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["items"]!.AsArray().Take(5))
                {
                    using var one = await Backend.SendAsync(HttpMethod.Get, "/api/runs/" + run!["id"]!.GetValue<string>(), _tenant);
                    if (!one.IsSuccessStatusCode)
                    {
                        return $"GET a run answered {(int)one.StatusCode}: {Cut(await one.Content.ReadAsStringAsync())}";
                    }
                }
            }
        }

        if (created is not null && route is BodyRoute.CreateRule or BodyRoute.CreateRichRule or BodyRoute.CreateConnection or BodyRoute.CreateWebhook)
        {
            var collection = route switch { BodyRoute.CreateRule or BodyRoute.CreateRichRule => "rules", BodyRoute.CreateConnection => "connections", _ => "webhooks" };
            using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/{collection}/{created}", _tenant);
            if ((int)deleted.StatusCode >= 500)
            {
                return $"DELETE answered {(int)deleted.StatusCode}";
            }
        }

        return null;
    }

    private static string Variant(string path)
    {
        var cut = path.LastIndexOf('.') + 1;
        return path[..cut] + path[cut..].ToUpperInvariant();
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "$" : path[..cut];
    }

    /// <summary>The field a refusal must name: the node, or for the webhook (whose body is a string) that string.</summary>
    private static string Field(BodyRoute route, string path) => route is BodyRoute.Webhook ? "body" : path;

    /// <summary>Nodes a route ignores by contract (the body of a pre-uninstall is not trusted), so any answer does.</summary>
    private static bool Ignored(BodyRoute route) => route is BodyRoute.Uninstall or BodyRoute.Scheduled;

    /// <summary>Applies the mutation at the node; false when it does not fit the node.</summary>
    private static bool Apply(JsonObject body, string path, JsonNode? node, Mutation mutation, int depth)
    {
        switch (mutation)
        {
            case Mutation.Removed:
                return Remove(body, path);
            case Mutation.DeepestAccepted or Mutation.OnePastDeepest:
                // The root object is depth 1 and each container below the node adds one; the reader allows 64.
                var levels = 64 - depth + (mutation == Mutation.OnePastDeepest ? 1 : 0);
                if (levels < 1)
                {
                    return false;
                }

                JsonNode deep = node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? JsonValue.Create("x")! : JsonValue.Create(1)!;
                for (var i = 0; i < levels; i++)
                {
                    deep = i % 2 == 0 ? new JsonArray(deep) : new JsonObject { ["a"] = deep };
                }

                Set(body, path, deep);
                return true;
            case Mutation.HugeArray:
                if (node is not JsonArray array)
                {
                    return false;
                }

                var first = array.Count > 0 ? array[0]?.DeepClone() : JsonValue.Create(0);
                var items = new JsonArray();
                var copy = first is JsonValue fv && fv.GetValueKind() == System.Text.Json.JsonValueKind.String ? "a" : (JsonNode?)0;
                for (var i = 0; i < 100_000; i++)
                {
                    items.Add(copy?.DeepClone());
                }

                Set(body, path, items);
                return true;
            case Mutation.LongString:
                if (node is not JsonValue s || s.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    return false;
                }

                Set(body, path, new string('x', 100 * 1024));
                return true;
            case Mutation.RtlAndNul:
                if (node is not JsonValue r || r.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    return false;
                }

                Set(body, path, "\u200f" + r.GetValue<string>() + "\u0000");
                return true;
            case Mutation.Emptied:
                Set(body, path, node switch { JsonObject => new JsonObject(), JsonArray => new JsonArray(), _ => JsonValue.Create("") });
                return true;
            case Mutation.HugeObject:
                if (node is not JsonObject)
                {
                    return false;
                }

                var many = new JsonObject();
                for (var i = 0; i < 15_000; i++)
                {
                    many["k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = 0;
                }

                Set(body, path, many);
                return true;
            case Mutation.CaseVariant:
                // The same name again in another case, with another value: refused where names are matched without
                // regard to case, kept apart where the names are data.
                var (parent, last) = Locate(body, path);
                if (parent is not JsonObject holder || last is not string name || string.Equals(name.ToUpperInvariant(), name, StringComparison.Ordinal) || holder.ContainsKey(name.ToUpperInvariant()))
                {
                    return false;
                }

                holder[name.ToUpperInvariant()] = "variant";
                return true;
            case Mutation.HugeNumber:
                Set(body, path, JsonNode.Parse("1e400"));
                return true;
            case Mutation.NegativeFraction:
                Set(body, path, JsonNode.Parse("-0.5"));
                return true;
            default:
                return false;
        }
    }

    /// <summary>How many containers hold the node: the root and one for each step of its path.</summary>
    private static int DepthOf(string path) => 1 + path.Count(c => c is '.' or '[');

    private JsonObject Base(BodyRoute route) => route switch
    {
        BodyRoute.CreateRule or BodyRoute.ValidateRule => Samples.Rule(_connection, "fuzzed"),
        BodyRoute.CreateRichRule => RichRule("rich"),
        BodyRoute.DryRunRichRule => new JsonObject { ["rule"] = RichRule("rich tried"), ["event"] = Samples.Event("OPS-1", "Broken") },
        BodyRoute.UpdateRule => Samples.Rule(_connection, "fuzzed update"),
        BodyRoute.DryRunUnsaved => new JsonObject { ["rule"] = Samples.Rule(_connection, "tried"), ["event"] = Samples.Event("OPS-1", "Broken") },
        BodyRoute.DryRunSaved => new JsonObject { ["event"] = Samples.Event("OPS-1", "Broken") },
        BodyRoute.ManualRun => new JsonObject { ["issueKey"] = "OPS-1" },
        BodyRoute.CreateConnection => Samples.Connection(ThirdParty.Address, "s3cret", "apiKey"),
        BodyRoute.CreateWebhook => new JsonObject { ["name"] = "deploys" },
        BodyRoute.CreateGrant => new JsonObject { ["hours"] = 2, ["reason"] = "ticket 42" },
        BodyRoute.Events => Samples.Event("OPS-1", "Broken"),
        // The webhook's own body is a string that the route parses: it is fuzzed as JSON and signed after.
        BodyRoute.Webhook => new JsonObject { ["order"] = new JsonObject { ["id"] = "A-1", ["lines"] = new JsonArray(new JsonObject { ["sku"] = "s", ["qty"] = 2 }) }, ["note"] = "rush" },
        BodyRoute.WebhookEnvelope => new JsonObject { ["hookId"] = "{hook}", ["signature"] = "{signature}", ["timestamp"] = "{timestamp}", ["contentType"] = "application/json", ["body"] = "{\"note\":\"rush\"}" },
        BodyRoute.Scheduled => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "scheduled" }, ["contextToken"] = "opaque" },
        BodyRoute.Uninstall => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "pre-uninstall" }, ["contextToken"] = "opaque-context-token" },
        BodyRoute.Lifecycle => new JsonObject { ["eventType"] = "avi:forge:installed:app", ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "lifecycle" } },
        _ => throw new ArgumentOutOfRangeException(nameof(route)),
    };

    /// <summary>Creates take a fresh name, events a fresh timestamp (so none is a duplicate) each time.</summary>
    private JsonObject Rename(BodyRoute route, JsonObject body)
    {
        var n = Interlocked.Increment(ref _counter);
        var target = route is BodyRoute.DryRunUnsaved or BodyRoute.DryRunRichRule ? body["rule"] as JsonObject : body;
        if (route is BodyRoute.CreateRule or BodyRoute.CreateRichRule or BodyRoute.CreateConnection or BodyRoute.CreateWebhook or BodyRoute.UpdateRule
            && target?["name"] is JsonValue name && name.TryGetValue<string>(out var text) && text.Length < 100 && !text.Contains('\u0000', StringComparison.Ordinal))
        {
            target["name"] = text + " " + n;
        }

        if (route is BodyRoute.Events && body["timestamp"] is JsonValue ts && ts.TryGetValue<string>(out var stamp)
            && long.TryParse(stamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var millis))
        {
            body["timestamp"] = (millis + n).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return body;
    }

    private string Render(BodyRoute route, JsonObject body)
    {
        if (route == BodyRoute.WebhookEnvelope)
        {
            // Placeholders left in place are filled: the hook, a signature of the body as sent, the time now.
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var text = body["body"] is JsonValue b && b.TryGetValue<string>(out var t) ? t : string.Empty;
            var stamp = body["timestamp"] is JsonValue s && s.TryGetValue<string>(out var st) && st == "{timestamp}" ? now : body["timestamp"]?.ToJsonString() ?? string.Empty;
            return body.ToJsonString()
                .Replace("\"{hook}\"", "\"" + _hookId + "\"", StringComparison.Ordinal)
                .Replace("\"{signature}\"", "\"" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_hookSecret), Encoding.UTF8.GetBytes($"{stamp.Trim('"')}.{text}"))) + "\"", StringComparison.Ordinal)
                .Replace("\"{timestamp}\"", "\"" + now + "\"", StringComparison.Ordinal);
        }

        if (route != BodyRoute.Webhook)
        {
            return body.ToJsonString();
        }

        var raw = body.ToJsonString();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_hookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{raw}")));
        return new JsonObject
        {
            ["hookId"] = _hookId, ["signature"] = signature, ["timestamp"] = timestamp, ["contentType"] = "application/json", ["body"] = raw,
        }.ToJsonString();
    }

    private async Task<HttpResponseMessage> SendAsync(BodyRoute route, string body)
    {
        var (method, path) = route switch
        {
            BodyRoute.CreateRule or BodyRoute.CreateRichRule => (HttpMethod.Post, "/api/rules"),
            BodyRoute.DryRunRichRule => (HttpMethod.Post, "/api/rules/dry-run"),
            BodyRoute.UpdateRule => (HttpMethod.Put, $"/api/rules/{_ruleId}"),
            BodyRoute.ValidateRule => (HttpMethod.Post, "/api/rules/validate"),
            BodyRoute.DryRunUnsaved => (HttpMethod.Post, "/api/rules/dry-run"),
            BodyRoute.DryRunSaved => (HttpMethod.Post, $"/api/rules/{_ruleId}/dry-run"),
            BodyRoute.ManualRun => (HttpMethod.Post, $"/api/rules/{_manualRuleId}/run"),
            BodyRoute.CreateConnection => (HttpMethod.Post, "/api/connections"),
            BodyRoute.CreateWebhook => (HttpMethod.Post, "/api/webhooks"),
            BodyRoute.CreateGrant => (HttpMethod.Post, "/api/support/grants"),
            BodyRoute.Events => (HttpMethod.Post, "/forge/events"),
            BodyRoute.Lifecycle => (HttpMethod.Post, "/forge/lifecycle"),
            BodyRoute.WebhookEnvelope => (HttpMethod.Post, "/forge/webhook"),
            BodyRoute.Scheduled => (HttpMethod.Post, "/forge/scheduled"),
            BodyRoute.Uninstall => (HttpMethod.Post, "/forge/uninstall"),
            _ => (HttpMethod.Post, "/forge/webhook"),
        };
        if (path.StartsWith("/forge/", StringComparison.Ordinal))
        {
            // An uninstall that is accepted deletes its tenant: each goes to a tenant of its own.
            var tenant = route == BodyRoute.Uninstall ? Samples.NewTenant() : _tenant;
            return await Backend.SendWithTokenAsync(method, path, Issuer.MintFor(path, tenant), body, withUserToken: false);
        }

        return await Backend.SendAsync(method, path, _tenant, body);
    }

    /// <summary>A rule reaching the free-form values: step bodies, Jira fields and updates, an AI schema, nested blocks.</summary>
    private JsonObject RichRule(string name) => (JsonObject)JsonNode.Parse($$$"""
        {
          "name": "{{{name}}}",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"], "issueTypes": ["Bug"],
                       "fieldChanged": { "field": "status", "from": "To Do", "to": "Done" } },
          "conditions": { "all": [
            { "field": "issue.fields.priority.name", "op": "equals", "value": "High" },
            { "any": [ { "field": "issue.fields.issuetype.name", "op": "in", "value": ["Bug", "Task"] },
                       { "field": "issue.fields.storyPoints", "op": "greaterThan", "value": 3 } ] } ] },
          "steps": [
            { "id": "ticket", "type": "http", "connection": "{{{_connection}}}", "method": "POST", "path": "/tickets/{{ issue.key | url_encode }}",
              "headers": { "X-Source": "blubees" }, "query": { "source": "jira" },
              "body": { "key": "{{ issue.key }}", "list": [1, { "deep": true }] }, "timeoutSeconds": 15, "onError": "continue",
              "if": { "field": "issue.key", "op": "isNotEmpty" } },
            { "id": "triage", "type": "jira.edit", "fields": { "labels": ["triaged"], "customfield_10016": 3 },
              "update": { "labels": [{ "add": "urgent" }] } },
            { "id": "search", "type": "jira.search", "jql": "project = OPS", "select": ["summary"], "maxResults": 10 },
            { "id": "start", "type": "jira.transition", "transition": "In Progress" },
            { "id": "parent", "type": "jira.fetch", "issue": "{{ issue.key }}", "onError": "continue" },
            { "id": "owner", "type": "jira.assign", "assignee": "557058:abc" },
            { "id": "blocks", "type": "jira.link", "linkType": "Blocks", "inwardIssue": "OPS-2" },
            { "id": "archive", "type": "transfer",
              "source": { "connection": "{{{_connection}}}", "method": "GET", "path": "/files/1", "headers": { "Accept": "*/*" }, "query": { "v": "1" } },
              "destination": { "connection": "{{{_connection}}}", "method": "PUT", "path": "/store/1" }, "maxBytes": 1048576, "timeoutSeconds": 60 },
            { "id": "ask", "type": "ai.chat", "connection": "{{{_ai}}}", "model": "gpt-4o-mini", "prompt": "{{ issue.fields.summary }}",
              "schema": { "type": "object", "properties": { "priority": { "type": "string", "enum": ["High", "Low"] } }, "required": ["priority"] } },
            { "id": "branch", "type": "if", "if": { "field": "steps.ask.output.priority", "op": "equals", "value": "High" },
              "then": [ { "id": "hot", "type": "jira.comment", "body": "Hot" } ], "else": [ { "id": "cold", "type": "jira.comment", "body": "Cold" } ] },
            { "id": "each", "type": "forEach", "items": "steps.search.issues", "limit": 10,
              "steps": [ { "id": "sub", "type": "jira.create", "issueType": "Task", "project": "OPS", "fields": { "summary": "Follow up {{ item.key }}" } } ] }
          ]
        }
        """)!;

    private object? BodyFor(string path) => path switch
    {
        _ when path.EndsWith("/run", StringComparison.Ordinal) => new JsonObject { ["issueKey"] = "OPS-1" },
        _ when path.EndsWith("/dry-run", StringComparison.Ordinal) => new JsonObject { ["event"] = Samples.Event("OPS-1", "Broken") },
        "/api/connections/{}" => Samples.Connection(ThirdParty.Address, "s3cret"),
        "/api/rules/{}" => Samples.Rule(_connection),
        _ => null,
    };

    private static IEnumerable<(string Path, JsonNode? Node)> Nodes(JsonNode? node, string path)
    {
        if (path != "$")
        {
            yield return (path, node);
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    foreach (var nested in Nodes(child, path == "$" ? name : $"{path}.{name}"))
                    {
                        yield return nested;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var nested in Nodes(array[i], $"{path}[{i}]"))
                    {
                        yield return nested;
                    }
                }

                break;
        }
    }

    private static (JsonNode Parent, object Last) Locate(JsonNode root, string path)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = parts[i].StartsWith('[') ? node[int.Parse(parts[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[parts[i]]!;
        }

        var last = parts[^1];
        return (node, last.StartsWith('[') ? int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture) : last);
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var (parent, last) = Locate(root, path);
        if (last is int i)
        {
            parent[i] = value;
        }
        else
        {
            parent[(string)last] = value;
        }
    }

    private static bool Remove(JsonNode root, string path)
    {
        var (parent, last) = Locate(root, path);
        if (last is int i)
        {
            ((JsonArray)parent).RemoveAt(i);
        }
        else
        {
            ((JsonObject)parent).Remove((string)last);
        }

        return true;
    }
}
