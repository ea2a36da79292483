using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Every route that parses a body, attacked with bodies of the wrong shape: wrong-typed values at every path the
/// engine reads, non-object roots, truncated JSON, deep nesting, invalid UTF-8, lone surrogate escapes, duplicate keys,
/// an empty body, a wrong content type. Each answer is a 4xx ProblemDetails naming the field — never a 500 — and
/// nothing is queued.
/// </summary>
public sealed class BodyBatteryTests : BackendFixture
{
    private string _tenant = null!;
    private string _ruleId = null!;

    public enum Route { Events, Lifecycle, Webhook, DryRunUnsaved, DryRunSaved }

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(_tenant));
        _ruleId = (await CreateRuleAsync(_tenant, rule))["id"]!.GetValue<string>();
    }

    private static readonly Route[] AllRoutes = Enum.GetValues<Route>();

    /// <summary>Bodies that are wrong for every route, with the field the answer must name (null: any 4xx will do).</summary>
    private static IEnumerable<TestCaseData> Generic()
    {
        var cases = new (string Name, byte[] Body, int Status, string? Field)[]
        {
            ("empty", [], 400, "$"),
            ("array root", Utf8("[]"), 400, "$"),
            ("string root", Utf8("\"x\""), 400, "$"),
            ("number root", Utf8("42"), 400, "$"),
            ("null root", Utf8("null"), 400, "$"),
            ("true root", Utf8("true"), 400, "$"),
            ("truncated", Utf8("{\"eventType\": \"avi:jira:created:issue\", \"issue\": {\"id\""), 400, null),
            ("deep nesting", Utf8(new string('[', 5000) + new string(']', 5000)), 400, null),
            ("deep object nesting", Utf8("{\"a\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 201)), 400, null),
            ("invalid UTF-8 in a string", [.. Utf8("{\"eventType\":\"avi:jira:created:issue\",\"x\":\""), 0xC3, 0x28, .. Utf8("\"}")], 400, "x"),
            ("invalid UTF-8 in a name", [.. Utf8("{\""), 0xFF, 0xFE, .. Utf8("\":1}")], 400, null),
            ("lone high surrogate", Utf8("{\"eventType\":\"avi:jira:created:issue\",\"issue\":{\"key\":\"\\ud800\"}}"), 400, "issue.key"),
            ("lone low surrogate", Utf8("{\"x\":[\"ok\",\"\\udc00 tail\"]}"), 400, "x[1]"),
            ("lone surrogate in a name", Utf8("{\"\\ud800\":1}"), 400, null),
            ("duplicate key", Utf8("{\"eventType\":\"avi:jira:created:issue\",\"eventType\":\"avi:jira:updated:issue\"}"), 400, "eventType"),
            ("nested duplicate key", Utf8("{\"issue\":{\"id\":\"1\",\"id\":\"2\"}}"), 400, "issue.id"),
        };
        foreach (var route in AllRoutes)
        {
            foreach (var (name, body, status, field) in cases)
            {
                yield return new TestCaseData(route, body, status, field).SetName($"{route}: {name}");
            }
        }
    }

    [TestCaseSource(nameof(Generic))]
    public async Task A_malformed_body_is_a_4xx_naming_the_field(Route route, byte[] body, int status, string? field)
    {
        using var response = await SendAsync(route, body, "application/json");
        await AssertProblemAsync(response, status, field);
    }

    [TestCaseSource(nameof(AllRoutes))]
    public async Task A_body_that_is_not_json_is_415(Route route)
    {
        using var response = await SendAsync(route, Utf8("eventType=avi:jira:created:issue"), "application/x-www-form-urlencoded");
        await AssertProblemAsync(response, 415, null);
    }

    private static IEnumerable<TestCaseData> OtherMediaTypes()
        => AllRoutes.SelectMany(route => new[] { "application/jsonx", "application/json-seq", "application/json5", "text/json", "application/xml+jsonx" }
            .Select(type => new TestCaseData(route, type).SetName($"{route}: {type}")));

    [TestCaseSource(nameof(OtherMediaTypes))]
    public async Task A_body_of_a_media_type_that_only_starts_like_json_is_415(Route route, string contentType)
    {
        // The Forge routes matched a prefix, so these were read as JSON there while the /api routes refused them.
        using var response = await SendAsync(route, Utf8("{\"eventType\":\"avi:forge:installed:app\"}"), contentType);
        await AssertProblemAsync(response, 415, null);
    }

    [TestCase("application/json")]
    [TestCase("application/json; charset=utf-8")]
    [TestCase("APPLICATION/JSON;charset=UTF-8")]
    [TestCase("application/vnd.forge+json")]
    public async Task A_json_media_type_with_parameters_or_a_json_suffix_is_read(string contentType)
    {
        using var response = await SendAsync(Route.Lifecycle, Utf8("{\"eventType\":\"avi:forge:installed:app\"}"), contentType);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
    }

    [TestCaseSource(nameof(AllRoutes))]
    public async Task A_compressed_body_is_415_naming_Content_Encoding(Route route)
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            zip.Write(Utf8("{\"eventType\":\"avi:forge:installed:app\"}"));
        }

        using var response = await SendAsync(route, buffer.ToArray(), "application/json", "gzip");
        await AssertProblemAsync(response, 415, null);
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>(), Does.StartWith("Content-Encoding:"));
    }

    [TestCaseSource(nameof(AllRoutes))]
    public async Task A_body_without_content_type_is_415(Route route)
    {
        using var response = await SendAsync(route, Utf8("{}"), null);
        await AssertProblemAsync(response, 415, null);
    }

    /// <summary>A wrong-typed value at each path of an event that the engine reads (triggers, conditions, scope, dedupe, loop trace).</summary>
    private static IEnumerable<TestCaseData> WrongTypes()
    {
        var cases = new (string Path, JsonNode? Value, string Field)[]
        {
            ("issue", "SP-10", "issue"),
            ("issue", 10073, "issue"),
            ("issue", new JsonArray(), "issue"),
            ("issue", true, "issue"),
            ("issue.id", new JsonObject(), "issue.id"),
            ("issue.key", 10, "issue.key"),
            ("issue.key", new JsonArray(), "issue.key"),
            ("issue.key", "not a key; " + new string('x', 300), "issue.key"),
            ("issue.key", "SP-", "issue.key"),
            ("issue.id", "10073 OR 1=1", "issue.id"),
            ("issue.fields", "fields", "issue.fields"),
            ("issue.fields", new JsonArray(), "issue.fields"),
            ("issue.fields.project", "SP", "issue.fields.project"),
            ("issue.fields.project.key", new JsonObject(), "issue.fields.project.key"),
            ("issue.fields.issuetype", new JsonArray(), "issue.fields.issuetype"),
            ("issue.fields.issuetype.name", 1, "issue.fields.issuetype.name"),
            ("issue.fields.status", 3, "issue.fields.status"),
            ("issue.fields.priority", "High", "issue.fields.priority"),
            ("issue.fields.summary", new JsonObject(), "issue.fields.summary"),
            ("issue.fields.labels", "a,b", "issue.fields.labels"),
            ("changelog", "status changed", "changelog"),
            ("changelog", new JsonArray(), "changelog"),
            ("changelog.id", new JsonArray(), "changelog.id"),
            ("changelog.items", new JsonObject(), "changelog.items"),
            ("changelog.items[0]", "status", "changelog.items[0]"),
            ("changelog.items[0].field", new JsonObject(), "changelog.items[0].field"),
            ("changelog.items[0].toString", new JsonArray(), "changelog.items[0].toString"),
            ("comment", new JsonArray(), "comment"),
            ("comment", "a comment", "comment"),
            ("comment.id", new JsonObject(), "comment.id"),
            ("comment.body", 5, "comment.body"),
            ("comment.author", "me", "comment.author"),
            ("user", "me", "user"),
            ("user.accountId", new JsonObject(), "user.accountId"),
            ("associatedStatuses", new JsonObject(), "associatedStatuses"),
            ("associatedStatuses[0]", "Done", "associatedStatuses[0]"),
            ("associatedStatuses[0].name", new JsonObject(), "associatedStatuses[0].name"),
            ("associatedUsers", "me", "associatedUsers"),
            ("associatedUsers[0]", 1, "associatedUsers[0]"),
            ("atlassianId", new JsonObject(), "atlassianId"),
            ("timestamp", new JsonObject(), "timestamp"),
            ("timestamp", true, "timestamp"),
            // Not a time: neither epoch milliseconds (a whole number, or its digits as a string) nor an ISO 8601 date-time.
            ("timestamp", "abc", "timestamp"),
            ("timestamp", "", "timestamp"),
            ("timestamp", "1767258000000abc", "timestamp"),
            ("timestamp", "12.5", "timestamp"),
            ("timestamp", 12.5, "timestamp"),
            ("timestamp", -1, "timestamp"),
            ("timestamp", "2026-13-45T99:00:00Z", "timestamp"),
            ("webhookTraceValue", new JsonArray(), "webhookTraceValue"),
            ("webhookTraceValue", new string('t', 201), "webhookTraceValue"),
            ("selfGenerated", "no", "selfGenerated"),
            ("retryContext", "1", "retryContext"),
            ("eventType", 5, "eventType"),
            ("eventType", new JsonObject(), "eventType"),
        };
        foreach (var route in new[] { Route.Events, Route.DryRunUnsaved, Route.DryRunSaved })
        {
            foreach (var nested in new[] { false, true })
            {
                foreach (var (path, value, field) in cases)
                {
                    var prefix = (route == Route.Events ? string.Empty : "event.") + (nested ? "payload." : string.Empty);
                    yield return new TestCaseData(route, nested, path, value?.DeepClone(), prefix + field)
                        .SetName($"{route}{(nested ? " (payload)" : string.Empty)}: {path} = {Describe(value)}");
                }
            }
        }
    }

    [TestCaseSource(nameof(WrongTypes))]
    public async Task A_wrong_typed_event_field_is_400_naming_it_and_nothing_is_queued(Route route, bool nested, string path, JsonNode? value, string field)
    {
        var evt = SampleEvents.Fixture(path.StartsWith("comment", StringComparison.Ordinal) ? "commented" : "updated");
        evt["timestamp"] = UniqueTimestamp();
        evt["user"] = new JsonObject { ["accountId"] = "4ad9aa0c52dc1b420a791d12" }; // read by the scope when present
        Set(evt, path, value);
        var envelope = nested ? new JsonObject { ["payload"] = evt } : evt;

        using var response = await SendAsync(route, Utf8(route == Route.Events ? envelope.ToJsonString() : DryRunBody(route, envelope)), "application/json");

        await AssertProblemAsync(response, 400, field);
    }

    [TestCase("1767258000000")]
    [TestCase(1767258000001L)]
    [TestCase("2026-01-01T00:00:00Z")]
    [TestCase("2021-01-20T15:58:12.797+11:00")]
    public async Task A_timestamp_in_epoch_milliseconds_or_ISO_8601_is_accepted(object timestamp)
    {
        var evt = SampleEvents.Fixture("updated");
        evt["timestamp"] = timestamp is long millis ? JsonValue.Create(millis) : JsonValue.Create((string)timestamp);
        var n = Random.Shared.Next(1, 1_000_000); // a new event each run: not a duplicate
        evt["issue"]!["key"] = "OPS-" + n;
        evt["issue"]!["id"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await SendAsync(Route.Events, Utf8(evt.ToJsonString()), "application/json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.AnyOf(200, 202), text);
        Assert.That(JsonNode.Parse(text)!["status"]!.GetValue<string>(), Is.AnyOf("accepted", "filtered"), "taken as a new event");
    }

    /// <summary>Epoch milliseconds no other test sends: an event's identity for de-duplication.</summary>
    internal static string UniqueTimestamp() => Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [TestCase("hookId", 5)]
    [TestCase("hookId", null)]
    [TestCase("body", 5)]
    [TestCase("body", "{}")]
    [TestCase("signature", 5)]
    [TestCase("timestamp", "{}")]
    public async Task A_wrong_typed_webhook_envelope_field_is_400_naming_it(string field, object? value)
    {
        var envelope = new JsonObject { ["hookId"] = "wh_00000000000000000000", ["signature"] = "sha256=00", ["timestamp"] = "1", ["body"] = "{}" };
        envelope[field] = value switch
        {
            null => null,
            "{}" => new JsonObject(),
            int i => i,
            _ => JsonValue.Create(value.ToString()),
        };
        using var response = await SendAsync(Route.Webhook, Utf8(envelope.ToJsonString()), "application/json");
        await AssertProblemAsync(response, 400, field);
    }

    [TestCase("{\"eventType\": 5}")]
    [TestCase("{\"eventType\": {}}")]
    [TestCase("{\"payload\": \"avi:forge:installed:app\"}")]
    [TestCase("{\"type\": []}")]
    public async Task A_wrong_typed_lifecycle_body_is_400_naming_eventType(string body)
    {
        using var response = await SendAsync(Route.Lifecycle, Utf8(body), "application/json");
        await AssertProblemAsync(response, 400, "eventType");
    }

    [Test]
    public async Task The_three_events_that_crashed_the_worker_are_refused_at_ingress_and_nothing_is_queued()
    {
        foreach (var (path, value) in new (string, JsonNode)[] { ("issue", "SP-10"), ("issue", 10073), ("issue.fields", "x") })
        {
            var tenant = Samples.NewTenant();
            await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
            var evt = SampleEvents.Fixture("created");
            Set(evt, path, value);
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", Issuer.MintFor("/forge/events", tenant), evt, withUserToken: false);
            await AssertProblemAsync(response, 400, path);

            // The same event once valid again is accepted: the refusal left no de-duplication marker behind.
            using var valid = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", Issuer.MintFor("/forge/events", tenant), SampleEvents.Fixture("created"), withUserToken: false);
            Assert.That(valid.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK), path);
            Assert.That(await valid.Content.ReadAsStringAsync(), Does.Not.Contain("duplicate"), path);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Route route, byte[] body, string? contentType, string? contentEncoding = null)
    {
        var (path, token, userToken) = route switch
        {
            Route.Events => ("/forge/events", Issuer.MintFor("/forge/events", _tenant), false),
            Route.Lifecycle => ("/forge/lifecycle", Issuer.MintFor("/forge/lifecycle", _tenant), false),
            Route.Webhook => ("/forge/webhook", Issuer.MintFor("/forge/webhook", _tenant), false),
            Route.DryRunUnsaved => ("/api/rules/dry-run", Issuer.Mint(TestIssuer.For(_tenant)), true),
            _ => ($"/api/rules/{_ruleId}/dry-run", Issuer.Mint(TestIssuer.For(_tenant)), true),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (userToken)
        {
            request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.IssueUserToken("557058:admin"));
        }

        return await Backend.Client.SendAsync(request);
    }

    /// <summary>A dry-run request around the sample (an unsaved rule is only compiled after the sample passed its checks).</summary>
    private static string DryRunBody(Route route, JsonObject sample) => (route == Route.DryRunSaved
        ? new JsonObject { ["event"] = sample.DeepClone() }
        : new JsonObject { ["rule"] = Samples.Rule("conn_unused000000000000"), ["event"] = sample.DeepClone() }).ToJsonString();

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "errors are RFC 7807 ProblemDetails");
        var problem = JsonNode.Parse(text)!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(status));
        if (field is not null)
        {
            Assert.That(problem["errors"]?[field], Is.Not.Null, $"the answer names '{field}': {text}");
        }
    }

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        JsonNode node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = parts[i].StartsWith('[') ? node[int.Parse(parts[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[parts[i]]!;
        }

        var last = parts[^1];
        if (last.StartsWith('['))
        {
            ((JsonArray)node)[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            ((JsonObject)node)[last] = value;
        }
    }

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ => value.ToJsonString().Length > 20 ? "long string" : value.ToJsonString(),
    };

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
