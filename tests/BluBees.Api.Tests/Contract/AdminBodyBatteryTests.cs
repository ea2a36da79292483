using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// Every <c>/api</c> route that reads a body, attacked at every node of a valid body: each value replaced by one of
/// the wrong JSON kind, by null, by huge, negative and oddly written numbers (-0, 1.0, 1e2, 1e-400, 2^53+1), each string
/// by an empty, blank, 20,000-character, NUL-, lone-surrogate- or RLO-bearing, templated or non-ASCII one, and an unknown
/// property added to each object. The valid bodies (each checked to be accepted unmutated) use every step kind, trigger
/// kind and condition operator, so the rule model's fields are all reached.
/// Each answer is a 2xx (the field takes any JSON, or null means "default"), or a 4xx ProblemDetails whose
/// <c>errors</c> name the field (or a field inside it) — never a 500, never a 4xx without the field.
/// </summary>
public sealed class AdminBodyBatteryTests : BackendFixture
{
    private string _tenant = null!;
    private string _connection = null!;
    private string _ai = null!;
    private string _hook = null!;
    private string _ruleId = null!;
    private string _manualRuleId = null!;
    private int _counter;

    public enum Route { ValidateRule, CreateRule, UpdateRule, DryRunUnsaved, DryRunSaved, ManualRun, CreateConnection, UpdateConnection, CreateOAuthConnection, CreateWebhook, CreateGrant }

    public enum Mutation { WrongKind, Null, Unknown, HugeNumber, NegativeNumber, EmptyString, LongString, OddString, IntegerEdge }

    private JsonNode _document = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _document = JsonNode.Parse(await Backend.Client.GetStringAsync(BluBees.Api.Infrastructure.OpenApiSetup.DocumentPath))!;
        _tenant = Samples.NewTenant();
        _connection = await CreateConnectionAsync(_tenant);
        _ai = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", _tenant, new JsonObject
        {
            ["name"] = "OpenAI", ["baseUrl"] = new Uri(ThirdParty.Address, "/v1").ToString(),
            ["auth"] = new JsonObject { ["type"] = "bearer" }, ["secret"] = "k", ["provider"] = "openai",
        }, 201))["id"]!.GetValue<string>();
        _hook = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", _tenant, new JsonObject { ["name"] = "hook" }, 201))["id"]!.GetValue<string>();
        _ruleId = (await CreateRuleAsync(_tenant, RichRule("saved")))["id"]!.GetValue<string>();
        _manualRuleId = (await CreateRuleAsync(_tenant, ManualRule("manual")))["id"]!.GetValue<string>();
    }

    private static readonly Route[] Routes = Enum.GetValues<Route>();

    [Test]
    public void Every_operation_the_document_gives_a_request_body_is_attacked_here()
    {
        // From docs/openapi.json as the app serves it: an /api route that takes a body, added later, fails here until
        // it has a valid body in Target (PUT /api/connections/{id} had none in the structural fuzzer, RouteFuzzBodyTests).
        var attacked = Routes.Select(r => Target(r)).Select(t => $"{t.Method.Method} {System.Text.RegularExpressions.Regex.Replace(t.Path, "\\{[a-z]+\\}", "{id}")}").ToHashSet(StringComparer.Ordinal);
        var documented = _document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Value?["requestBody"] is not null).Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .ToList();
        Assert.That(documented, Is.Not.Empty);
        Assert.That(documented.Where(d => !attacked.Contains(d)), Is.Empty, "operations with a request body this battery does not attack");
    }

    [TestCaseSource(nameof(Routes))]
    public async Task Every_node_of_the_body_mutated_is_a_2xx_or_a_4xx_naming_it(Route route)
    {
        var (method, path, baseBody) = Target(route);
        using (var unmutated = await Backend.SendAsync(method, PathFor(route, path), _tenant, Rename(route, (JsonObject)baseBody.DeepClone())))
        {
            // A refused base body makes every mutation's answer that refusal: the battery would test nothing.
            Assert.That((int)unmutated.StatusCode, Is.InRange(200, 299), $"the unmutated body of {route}: {await unmutated.Content.ReadAsStringAsync()}");
            await CleanUpAsync(route, unmutated);
        }

        var failures = new List<string>();
        var tried = 0;
        // An update refused is no change: what the resource reads back (version, definition, updatedAt) is what it read before.
        var stored = method == HttpMethod.Put ? await ReadStoredAsync(route, path) : null;
        foreach (var (nodePath, node) in Nodes(baseBody, "$"))
        {
            foreach (var (label, body, field) in Enum.GetValues<Mutation>().SelectMany(m => Mutate(baseBody, nodePath, node, m)))
            {
                tried++;
                var rendered = Rename(route, body).ToJsonString().Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal);
                using var response = await Backend.SendAsync(method, PathFor(route, path), _tenant, rendered);
                var problem = await CheckAsync(response, field) ?? Stated(method, path, response.StatusCode);
                if (stored is not null)
                {
                    var now = await ReadStoredAsync(route, path);
                    if ((int)response.StatusCode >= 400 && now != stored)
                    {
                        problem ??= $"refused ({(int)response.StatusCode}) but the stored resource changed: {Cut(stored)} -> {Cut(now)}";
                    }

                    stored = now;
                }

                if (problem is not null)
                {
                    failures.Add($"{label}: {problem}");
                }

                await CleanUpAsync(route, response);
            }
        }

        Assert.That(tried, Is.GreaterThan(0));
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(60)));
    }

    /// <summary>Raw bodies that are wrong for every route: (name, bytes, content type, status, field the answer names or null).</summary>
    private static readonly (string Name, byte[] Body, string? ContentType, int Status, string? Field)[] RawBodies =
    [
        ("empty", [], "application/json", 400, "$"),
        ("array root", Utf8("[{}]"), "application/json", 400, "$"),
        ("string root", Utf8("\"x\""), "application/json", 400, "$"),
        ("null root", Utf8("null"), "application/json", 400, "$"),
        ("number root", Utf8("1e400"), "application/json", 400, "$"),
        ("truncated", Utf8("{\"name\": \"x"), "application/json", 400, null),
        ("trailing garbage", Utf8("{} {}"), "application/json", 400, null),
        ("comment", Utf8("{/* c */}"), "application/json", 400, null),
        ("trailing comma", Utf8("{\"name\": \"x\",}"), "application/json", 400, null),
        ("single quotes", Utf8("{'name': 'x'}"), "application/json", 400, null),
        ("NaN", Utf8("{\"name\": NaN}"), "application/json", 400, null),
        ("deep arrays", Utf8("{\"name\":" + new string('[', 1000) + new string(']', 1000) + "}"), "application/json", 400, null),
        ("deep objects", Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 300)) + "1" + new string('}', 300)), "application/json", 400, null),
        ("duplicate key", Utf8("{\"name\":\"a\",\"name\":\"b\"}"), "application/json", 400, "name"),
        ("duplicate key in another case", Utf8("{\"name\":\"a\",\"NAME\":\"b\"}"), "application/json", 400, "name"),
        ("invalid UTF-8", [.. Utf8("{\"name\":\""), 0xC3, 0x28, .. Utf8("\"}")], "application/json", 400, "name"),
        ("overlong UTF-8", [.. Utf8("{\"name\":\""), 0xC0, 0xAF, .. Utf8("\"}")], "application/json", 400, "name"),
        ("lone surrogate", Utf8("{\"name\":\"\\ud800\"}"), "application/json", 400, "name"),
        ("NUL in a name", Utf8("{\"na\\u0000me\":1}"), "application/json", 400, null),
        ("BOM", [0xEF, 0xBB, 0xBF, .. Utf8("{")], "application/json", 400, null),
        ("UTF-16", System.Text.Encoding.Unicode.GetBytes("{\"name\":\"x\"}"), "application/json; charset=utf-16", 400, null),
        ("form", Utf8("name=x"), "application/x-www-form-urlencoded", 415, null),
        ("text", Utf8("{}"), "text/plain", 415, null),
        ("xml", Utf8("<a/>"), "application/xml", 415, null),
        ("no content type", Utf8("{}"), null, 415, null),
        ("multipart", Utf8("--b\r\n\r\n{}\r\n--b--"), "multipart/form-data; boundary=b", 415, null),
        ("too large", Utf8("{\"name\":\"" + new string('x', 600 * 1024) + "\"}"), "application/json", 413, null),
    ];

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static IEnumerable<TestCaseData> RawCases()
        => Routes.SelectMany(route => RawBodies.Select((b, i) => new TestCaseData(route, i).SetName($"{route}: {b.Name}")));

    [TestCaseSource(nameof(RawCases))]
    public async Task A_malformed_body_is_a_stated_4xx_problem_naming_the_field(Route route, int index)
    {
        var (_, bytes, contentType, status, field) = RawBodies[index];
        var (method, path, _) = Target(route);
        using var request = new HttpRequestMessage(method, PathFor(route, path)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.For(_tenant)));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        using var response = await Backend.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        var expected = route is Route.DryRunUnsaved or Route.DryRunSaved && field is "name" ? null : field; // a dry run has no 'name'
        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        var problem = await ProblemAsync(response);
        Assert.That(problem["status"]?.GetValue<int>(), Is.EqualTo(status), text);
        if (expected is not null && !(route is Route.ManualRun or Route.CreateGrant && expected != "$"))
        {
            Assert.That(problem["errors"]?.AsObject().Select(e => e.Key), Does.Contain(expected), text);
        }

        Assert.That(Stated(method, path, response.StatusCode), Is.Null);
    }

    private static IEnumerable<TestCaseData> EncodedCases()
        => Routes.SelectMany(route => new[] { "gzip", "br", "deflate", "GZIP", "identity, gzip" }.Select(coding => new TestCaseData(route, coding).SetName($"{route}: Content-Encoding {coding}")));

    [TestCaseSource(nameof(EncodedCases))]
    public async Task A_compressed_body_is_a_stated_415_naming_Content_Encoding(Route route, string coding)
    {
        // Read as JSON, the compressed bytes were "malformed JSON at line 1, position 1": true of the bytes, but not why.
        var (method, path, body) = Target(route);
        using var request = new HttpRequestMessage(method, PathFor(route, path)) { Content = new ByteArrayContent(Gzip(Rename(route, body).ToJsonString())) };
        request.Content.Headers.ContentType = new("application/json");
        foreach (var name in coding.Split(", "))
        {
            request.Content.Headers.ContentEncoding.Add(name);
        }

        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.For(_tenant)));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        using var response = await Backend.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(415), text);
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.StartWith("Content-Encoding:"), text);
        Assert.That(response.Headers.TryGetValues("Accept-Encoding", out var accepted) ? accepted : [], Is.EqualTo(new[] { "identity" }));
        Assert.That(Stated(method, path, response.StatusCode), Is.Null);
    }

    [TestCaseSource(nameof(Routes))]
    public async Task A_body_marked_identity_is_read_as_sent(Route route)
    {
        var (method, path, _) = Target(route);
        using var request = new HttpRequestMessage(method, PathFor(route, path)) { Content = new ByteArrayContent(Utf8("[]")) };
        request.Content.Headers.ContentType = new("application/json");
        request.Content.Headers.ContentEncoding.Add("identity");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.For(_tenant)));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        using var response = await Backend.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(400), text);
        Assert.That((await ProblemAsync(response))["errors"]?.AsObject().Select(e => e.Key), Does.Contain("$"), text);
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            zip.Write(Utf8(text));
        }

        return buffer.ToArray();
    }

    [Test]
    public async Task A_saved_rules_dry_run_refuses_a_rule_in_its_body_instead_of_ignoring_it()
    {
        // The document said the saved dry run requires a 'rule'; the route ignored one, so an edited rule sent there
        // was silently not the rule that was tried. Its body is the event only; a 'rule' is an unknown property.
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{_ruleId}/dry-run", _tenant,
            new JsonObject { ["rule"] = RichRule("edited"), ["event"] = Samples.Event("OPS-1", "Broken") });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That((await ProblemAsync(response))["errors"]!["rule"], Is.Not.Null, text);
        var body = _document["paths"]!["/api/rules/{id}/dry-run"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        var schema = _document["components"]!["schemas"]![body.Split('/')[^1]]!;
        Assert.That(schema["properties"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "event" }), "the document describes the body the route reads");
    }

    [TestCase(0)]
    [TestCase("fifteen")]
    public async Task An_unsaved_dry_run_names_a_rule_error_from_the_body_root_whatever_its_kind(object timeout)
    {
        // A wrong type was named rule.steps[0].timeoutSeconds, a wrong value steps[0].timeoutSeconds: one route, one body,
        // two ways to name the same field. Both are named from the body's root, like the event's (event.issue).
        var rule = RichRule("tried");
        rule["steps"]![0]!["timeoutSeconds"] = JsonValue.Create(timeout);
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", _tenant, new JsonObject { ["rule"] = rule, ["event"] = Samples.Event("OPS-1", "Broken") });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That((await ProblemAsync(response))["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "rule.steps[0].timeoutSeconds" }), text);
    }

    /// <summary>The resource a PUT route updates, as GET reads it back.</summary>
    private async Task<string> ReadStoredAsync(Route route, string path)
    {
        using var answer = await Backend.SendAsync(HttpMethod.Get, PathFor(route, path), _tenant);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"GET {path} after an update");
        return await answer.Content.ReadAsStringAsync();
    }

    /// <summary>Null when docs/openapi.json states this answer for the route, else what is wrong.</summary>
    private string? Stated(HttpMethod method, string path, HttpStatusCode status)
        => _document["paths"]?[path.Replace("{rule}", "{id}", StringComparison.Ordinal).Replace("{manual}", "{id}", StringComparison.Ordinal).Replace("{connection}", "{id}", StringComparison.Ordinal)]
            ?[method.Method.ToLowerInvariant()]?["responses"]?[((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)] is null
            ? $"{(int)status}, which docs/openapi.json does not state for {method} {path}"
            : null;

    /// <summary>What is wrong with an answer (null: nothing).</summary>
    private static async Task<string?> CheckAsync(HttpResponseMessage response, string field)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status < 400)
        {
            return null;
        }

        if (status >= 500)
        {
            return $"{status} {Cut(text)}";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return $"{status} with content type {response.Content.Headers.ContentType?.MediaType}";
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

        if (status is 413 or 415)
        {
            return null;
        }

        var keys = problem["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
        return keys.Any(k => Names(k, field)) ? null : $"{status} does not name '{field}': {Cut(text)}";
    }

    /// <summary>An error key names the field when it is the field or a field inside it.</summary>
    private static bool Names(string key, string field)
        => key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal)
           || (field == "$" && key.Length > 0)
           || (field.EndsWith(']') && key == Parent(field)); // an element of a list of names is named by its list

    private static string Cut(string text) => text.Length > 400 ? text[..400] + "…" : text;

    private (HttpMethod Method, string Path, JsonObject Body) Target(Route route) => route switch
    {
        Route.ValidateRule => (HttpMethod.Post, "/api/rules/validate", RichRule("validated")),
        Route.CreateRule => (HttpMethod.Post, "/api/rules", RichRule("created")),
        Route.UpdateRule => (HttpMethod.Put, "/api/rules/{rule}", RichRule("saved")),
        Route.DryRunUnsaved => (HttpMethod.Post, "/api/rules/dry-run", new JsonObject { ["rule"] = RichRule("tried"), ["event"] = Samples.Event("OPS-1", "Broken") }),
        Route.DryRunSaved => (HttpMethod.Post, "/api/rules/{rule}/dry-run", new JsonObject { ["event"] = Samples.Event("OPS-1", "Broken") }),
        Route.ManualRun => (HttpMethod.Post, "/api/rules/{manual}/run", new JsonObject { ["issueKey"] = "OPS-1" }),
        Route.CreateConnection => (HttpMethod.Post, "/api/connections", ApiKeyConnection()),
        Route.UpdateConnection => (HttpMethod.Put, "/api/connections/{connection}", ApiKeyConnection()),
        Route.CreateOAuthConnection => (HttpMethod.Post, "/api/connections", OAuthConnection()),
        Route.CreateWebhook => (HttpMethod.Post, "/api/webhooks", new JsonObject { ["name"] = "deploys" }),
        Route.CreateGrant => (HttpMethod.Post, "/api/support/grants", new JsonObject { ["hours"] = 2, ["reason"] = "ticket 42" }),
        _ => throw new ArgumentOutOfRangeException(nameof(route)),
    };

    private string PathFor(Route route, string path) => path
        .Replace("{rule}", _ruleId, StringComparison.Ordinal)
        .Replace("{manual}", _manualRuleId, StringComparison.Ordinal)
        .Replace("{connection}", _connection, StringComparison.Ordinal);

    /// <summary>Creates take a fresh name each time (names are unique per tenant); a mutated name is left alone.</summary>
    private JsonObject Rename(Route route, JsonObject body)
    {
        var target = route is Route.DryRunUnsaved ? body["rule"] as JsonObject : body;
        if (route is Route.CreateRule or Route.CreateConnection or Route.CreateOAuthConnection or Route.CreateWebhook or Route.UpdateConnection
            && target?["name"] is JsonValue name && name.TryGetValue<string>(out var text) && !text.Contains("{{", StringComparison.Ordinal))
        {
            target["name"] = text + " " + Interlocked.Increment(ref _counter);
        }

        return body;
    }

    /// <summary>What a mutation that was accepted created is deleted again, so the tenant's limits are never reached.</summary>
    private async Task CleanUpAsync(Route route, HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Created)
        {
            return;
        }

        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())?["id"]?.GetValue<string>();
        var collection = route switch
        {
            Route.CreateRule => "/api/rules/",
            Route.CreateWebhook => "/api/webhooks/",
            Route.CreateGrant => "/api/support/grants/",
            _ => "/api/connections/",
        };
        using var deleted = await Backend.SendAsync(HttpMethod.Delete, collection + id, _tenant);
    }

    /// <summary>Every node below the root with its JSON path (<c>steps[0].body.key</c>).</summary>
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

    private static IEnumerable<(string Label, JsonObject Body, string Field)> Mutate(JsonObject baseBody, string path, JsonNode? node, Mutation mutation)
    {
        IEnumerable<(string Label, JsonNode? Value, string Field)> replacements = mutation switch
        {
            Mutation.WrongKind => WrongKinds(node).Select(v => ($"{path} = {Show(v)}", v, path)),
            // Null means "not given": the answer may name the field, or a sibling its absence leaves invalid.
            Mutation.Null => [($"{path} = null", null, Parent(path))],
            Mutation.HugeNumber => node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
                ? [($"{path} = 1e400", JsonNode.Parse("1e400"), path), ($"{path} = 2^63", JsonNode.Parse("9223372036854775808"), path), ($"{path} = 2147483648", 2147483648L, path), ($"{path} = 0.5", 0.5, path)]
                : [],
            Mutation.EmptyString => IsString(node) ? [($"{path} = ''", "", path), ($"{path} = '   '", "   ", path)] : [],
            // A schema's cap is on its whole text, so a long string inside one is named by the schema.
            Mutation.LongString => IsString(node)
                ? [($"{path} = 20,000 x", new string('x', 20000), SchemaOf(path)), ($"{path} + 5,000 y", node!.GetValue<string>() + new string('y', 5000), SchemaOf(path))]
                : [],
            Mutation.OddString => IsString(node)
                ? [($"{path} + NUL", node!.GetValue<string>() + "\u0000z", path), ($"{path} + lone surrogate", node!.GetValue<string>() + LoneSurrogate, path),
                   ($"{path} + RLO", node!.GetValue<string>() + "\u202e", path), ($"{path} = template of a missing field", "{{ issue.fields.nothing.deeper }}", path),
                   ($"{path} = non-ASCII", "\u00dcn\u00efc\u00f8d\u00e9 \u2713 \ud83d\ude00", path)]
                : [],
            Mutation.IntegerEdge => node is JsonValue e && e.GetValueKind() == System.Text.Json.JsonValueKind.Number
                ? [($"{path} = -0", JsonNode.Parse("-0"), path), ($"{path} = 1.0", JsonNode.Parse("1.0"), path), ($"{path} = 1e2", JsonNode.Parse("1e2"), path),
                   ($"{path} = 1e-400", JsonNode.Parse("1e-400"), path), ($"{path} = 2^53+1", JsonNode.Parse("9007199254740993"), path)]
                : [],
            Mutation.NegativeNumber => node is JsonValue n && n.GetValueKind() == System.Text.Json.JsonValueKind.Number
                ? [($"{path} = -1", -1, path), ($"{path} = 0", 0, path), ($"{path} = -2^63", long.MinValue, path)]
                : [],
            _ => [],
        };
        foreach (var (label, value, field) in replacements)
        {
            var body = (JsonObject)baseBody.DeepClone();
            Set(body, path, value?.DeepClone());
            yield return (label, body, field);
        }

        if (mutation == Mutation.Unknown && node is JsonObject)
        {
            var body = (JsonObject)baseBody.DeepClone();
            ((JsonObject)Get(body, path)!)["zzUnknown"] = 1;
            yield return ($"{path}.zzUnknown", body, path);
        }
    }

    /// <summary>Stands for an escaped lone surrogate (<c>\ud800</c>), which a JsonNode cannot hold; put in the text as sent.</summary>
    private const string LoneSurrogate = "LONE-SURROGATE-ESCAPE";

    private static bool IsString(JsonNode? node) => node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String;

    private static string SchemaOf(string path)
        => path.IndexOf(".schema.", StringComparison.Ordinal) is var at and >= 0 ? path[..(at + ".schema".Length)] : path;

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "$" : path[..cut];
    }

    private static IEnumerable<JsonNode?> WrongKinds(JsonNode? node) => node switch
    {
        JsonObject => ["text", 5, new JsonArray(1), true],
        JsonArray => ["text", 5, new JsonObject { ["a"] = 1 }, true],
        JsonValue v => v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => [5, true, new JsonObject { ["a"] = 1 }, new JsonArray("a")],
            System.Text.Json.JsonValueKind.Number => ["5", true, new JsonObject { ["a"] = 1 }, new JsonArray(5)],
            _ => ["true", 1, new JsonObject { ["a"] = 1 }, new JsonArray(true)],
        },
        _ => [],
    };

    private static string Show(JsonNode? value) => value?.ToJsonString() ?? "null";

    private static JsonNode? Get(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var part in Parts(path))
        {
            node = part is int i ? node![i] : node![(string)part];
        }

        return node;
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var parts = Parts(path).ToList();
        var parent = parts.Count == 1 ? root : Get(root, Join(parts[..^1]));
        if (parts[^1] is int i)
        {
            parent![i] = value;
        }
        else
        {
            parent![(string)parts[^1]] = value;
        }
    }

    private static string Join(List<object> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part is int i ? $"[{i}]" : (text.Length == 0 ? string.Empty : ".") + part);
        }

        return text.ToString();
    }

    private static IEnumerable<object> Parts(string path)
    {
        foreach (var segment in path.Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            yield return bracket < 0 ? segment : segment[..bracket];
            if (bracket >= 0)
            {
                foreach (var index in segment[bracket..].Split('[', StringSplitOptions.RemoveEmptyEntries))
                {
                    yield return int.Parse(index.TrimEnd(']'), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
    }

    private JsonObject ApiKeyConnection() => new()
    {
        ["name"] = "Tickets",
        ["baseUrl"] = new Uri(ThirdParty.Address, "/api/v2").ToString(),
        ["auth"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "X-Api-Key" },
        ["secret"] = "s3cret",
        ["resilience"] = new JsonObject
        {
            ["timeoutSeconds"] = 60, ["attemptTimeoutSeconds"] = 30, ["maxRetries"] = 2, ["retryDelayMs"] = 500, ["maxRetryAfterSeconds"] = 30,
            ["breakerFailureRatio"] = 0.5, ["breakerMinimumThroughput"] = 3, ["breakerSamplingSeconds"] = 60, ["breakerBreakSeconds"] = 30,
            ["maxConcurrency"] = 2, ["requestsPerSecond"] = 50, ["queueLimit"] = 100, ["bulkheadWaitMs"] = 1000,
        },
    };

    private JsonObject OAuthConnection() => new()
    {
        ["name"] = "Service desk",
        ["baseUrl"] = new Uri(ThirdParty.Address, "/api/v2").ToString(),
        ["auth"] = new JsonObject
        {
            ["type"] = "oauth2RefreshToken", ["tokenUrl"] = new Uri(ThirdParty.Address, "/oauth/token").ToString(),
            ["clientId"] = "blubees", ["scope"] = "tickets:write", ["clientAuth"] = "basic",
        },
        ["secret"] = "refresh",
        ["clientSecret"] = "client",
    };

    private static JsonObject ManualRule(string name) => new()
    {
        ["name"] = name,
        ["trigger"] = new JsonObject { ["type"] = "manual" },
        ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "Run by hand" }),
    };

    /// <summary>A rule with every step kind, every condition operator and every trigger narrowing.</summary>
    private JsonObject RichRule(string name) => (JsonObject)JsonNode.Parse($$$"""
        {
          "name": "{{{name}}}",
          "enabled": true,
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"], "issueTypes": ["Bug"],
                       "fieldChanged": { "field": "status", "from": "To Do", "to": "Done" } },
          "conditions": { "all": [
            { "field": "issue.fields.priority.name", "op": "equals", "value": "High" },
            { "any": [
              { "field": "issue.fields.labels", "op": "contains", "value": "urgent" },
              { "field": "issue.fields.summary", "op": "notEquals", "value": "x" },
              { "field": "issue.fields.summary", "op": "startsWith", "value": "Broken" },
              { "field": "issue.fields.issuetype.name", "op": "in", "value": ["Bug", "Task"] },
              { "field": "issue.fields.assignee", "op": "isEmpty" },
              { "field": "issue.fields.summary", "op": "isNotEmpty" },
              { "field": "issue.fields.storyPoints", "op": "greaterThan", "value": 3 },
              { "field": "issue.fields.storyPoints", "op": "lessThan", "value": 100 },
              { "field": "issue.key", "op": "matches", "value": "^OPS-[0-9]+$" },
              { "field": "status", "op": "changed", "from": "To Do", "to": "Done" }
            ] }
          ] },
          "steps": [
            { "id": "ticket", "type": "http", "connection": "{{{_connection}}}", "method": "POST", "path": "/tickets/{{ issue.key | url_encode }}",
              "headers": { "X-Source": "blubees" }, "query": { "source": "jira" },
              "body": { "key": "{{ issue.key }}", "list": [1, { "deep": true }] }, "timeoutSeconds": 15, "onError": "continue",
              "if": { "field": "issue.key", "op": "isNotEmpty" } },
            { "id": "note", "type": "jira.comment", "body": "Ticket {{ steps.ticket.status }}", "issue": "{{ issue.key }}" },
            { "id": "triage", "type": "jira.edit", "fields": { "summary": "{{ issue.fields.summary }}", "labels": ["triaged"], "priority": "High", "customfield_10016": 3 },
              "update": { "labels": [{ "add": "urgent" }] } },
            { "id": "start", "type": "jira.transition", "transition": "In Progress" },
            { "id": "parent", "type": "jira.fetch", "issue": "{{ issue.key }}", "onError": "continue" },
            { "id": "followup", "type": "jira.create", "issueType": "Task", "project": "OPS", "parent": "{{ issue.key }}", "fields": { "summary": "Follow up" } },
            { "id": "owner", "type": "jira.assign", "assignee": "557058:abc" },
            { "id": "blocks", "type": "jira.link", "linkType": "Blocks", "inwardIssue": "OPS-2" },
            { "id": "search", "type": "jira.search", "jql": "project = OPS", "select": ["summary", "status"], "maxResults": 10 },
            { "id": "archive", "type": "transfer",
              "source": { "connection": "{{{_connection}}}", "method": "GET", "path": "/files/1", "headers": { "Accept": "*/*" }, "query": { "v": "1" } },
              "destination": { "connection": "{{{_connection}}}", "method": "PUT", "path": "/store/1" },
              "maxBytes": 1048576, "timeoutSeconds": 60 },
            { "id": "attachment", "type": "transfer", "source": { "jiraAttachment": "10001" }, "destination": { "connection": "{{{_connection}}}", "path": "/store/2" } },
            { "id": "ask", "type": "ai.chat", "connection": "{{{_ai}}}", "model": "gpt-4o-mini", "system": "Triage.", "prompt": "{{ issue.fields.summary }}",
              "temperature": 0.5, "maxTokens": 100, "timeoutSeconds": 30,
              "schema": { "type": "object", "properties": { "priority": { "type": "string", "enum": ["High", "Low"] } }, "required": ["priority"] } },
            { "id": "branch", "type": "if", "if": { "field": "steps.ask.output.priority", "op": "equals", "value": "High" },
              "then": [ { "id": "hot", "type": "jira.comment", "body": "Hot" } ],
              "else": [ { "id": "cold", "type": "jira.comment", "body": "Cold" } ] },
            { "id": "each", "type": "forEach", "items": "steps.search.issues", "limit": 10, "parallelism": 2, "onError": "continue",
              "steps": [ { "id": "sub", "type": "jira.comment", "issue": "{{ item.key }}", "body": "Seen" } ] }
          ]
        }
        """)!;
}
