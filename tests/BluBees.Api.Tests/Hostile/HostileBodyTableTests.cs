using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Contract;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Hostile;

/// <summary>
/// One table of hostile bodies sent, with a valid token of the route's caller, to every route that reads a body (found
/// by probing the running app's endpoint table, so a route added later is in the table too): the wrong content type,
/// an empty body, <c>null</c>, an array, a string, a number or a boolean where an object is read, invalid UTF-8, UTF-16 or UTF-32, a byte
/// order mark, a property named twice, a lone surrogate, 400 KB of text, 10,000 levels of nesting. Each must be the same
/// 4xx on every route — a ProblemDetails whose <c>errors</c> name the field with the message the table states — and
/// none may store anything. The other batteries (<see cref="EveryRouteEdgeInputBodyTests"/>,
/// <see cref="EveryRouteEdgeInputBodyErrorTests"/>) check that such bodies are refused; this one checks that every route
/// says the same, precise thing of each.
/// </summary>
public sealed class HostileBodyTableTests : EveryRouteEdgeInputFixture
{
    /// <summary>What a case must answer: one of the statuses; for a 400, the one field named and how its message starts.</summary>
    public sealed record Expect(int[] Statuses, string? Field = null, string? Says = null);

    private static readonly Expect NotAnObject = new([400], "$", "the body must be a JSON object");
    private static readonly Expect BadText = new([400], "name", "is not valid text");
    private static Expect BadName(string field) => new([400], field, "has a property name that is not valid text");
    private static readonly Expect Wide = new([400], "$", "is not UTF-8 text (it looks like UTF-16 or UTF-32");

    private static readonly (string Name, Func<byte[]> Body, string? ContentType, Expect Expect)[] Cases =
    [
        ("text/plain", () => Utf8("{\"name\":\"x\"}"), "text/plain", new([415])),
        ("no content type", () => Utf8("{\"name\":\"x\"}"), null, new([415])),
        ("empty", () => [], "application/json", new([400], "$", "the body is empty")),
        ("null", () => Utf8("null"), "application/json", NotAnObject),
        ("empty array", () => Utf8("[]"), "application/json", NotAnObject),
        ("array of an object", () => Utf8("[{\"name\":\"x\"}]"), "application/json", NotAnObject),
        ("string", () => Utf8("\"{}\""), "application/json", NotAnObject),
        ("number", () => Utf8("5"), "application/json", NotAnObject),
        ("negative zero", () => Utf8("-0"), "application/json", NotAnObject),
        ("number out of range", () => Utf8("1e400"), "application/json", NotAnObject),
        ("boolean", () => Utf8("true"), "application/json", NotAnObject),
        ("invalid UTF-8", () => [.. Utf8("{\"name\":\"caf"), 0xC3, 0x28, .. Utf8("\"}")], "application/json", BadText),
        ("lone surrogate", () => Utf8("{\"name\":\"\\ud800\"}"), "application/json", BadText),
        ("UTF-16", () => Encoding.Unicode.GetBytes("{\"name\":\"x\"}"), "application/json; charset=utf-16", Wide),
        ("UTF-16 with its byte order mark", () => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{\"name\":\"x\"}")], "application/json", Wide),
        ("UTF-16 big-endian", () => Encoding.BigEndianUnicode.GetBytes("{\"name\":\"x\"}"), "application/json", Wide),
        ("UTF-32", () => Encoding.UTF32.GetBytes("{\"name\":\"x\"}"), "application/json; charset=utf-32", Wide),
        ("byte order mark", () => [0xEF, 0xBB, 0xBF, .. Utf8("{\"name\":\"x\"}")], "application/json", new([400], "$", "starts with a byte order mark")),
        // A property name that is not text was named as the property before it ("name: has a property name…"), which was
        // valid: the name cannot be repeated, so the answer names the object holding it and "(property)".
        ("lone surrogate in a property name after a valid one", () => Utf8("{\"name\":\"x\",\"\\ud800\":1}"), "application/json", BadName("(property)")),
        ("invalid UTF-8 in a property name after a valid one", () => [.. Utf8("{\"name\":\"x\",\"caf"), 0xC3, 0x28, .. Utf8("\":1}")], "application/json", BadName("(property)")),
        ("lone surrogate in a nested property name after a valid one", () => Utf8("{\"name\":\"x\",\"a\":[{\"b\":1,\"\\udfff\":1}]}"), "application/json", BadName("a[0].(property)")),
        ("duplicate property", () => Utf8("{\"name\":\"a\",\"name\":\"b\"}"), "application/json", new([400], "name", "names this property more than once")),
        // A 1 MB body: a 413 on every route, read over a raw connection by EveryRouteEdgeInputBodyTests ("10 MB"), since
        // HttpClient may lose the answer to a reset once the server has answered without reading the whole body.
        ("400 KB string", () => Utf8("{\"name\":\"" + new string('x', 400 * 1024) + "\"}"), "application/json", new([400, 413])),
        // 50 KB: past the smaller routes' byte limits (a 413), within the larger ones' (too deep, said so).
        ("10,000 levels", () => Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)), "application/json", new([400, 413], "$", "is nested deeper than 64 levels")),
    ];

    /// <summary>An empty body uninstalls, whatever its content type (docs/api.md: Forge does not retry a refused preUninstall).</summary>
    private static bool Exempt(string route, string name) => route == "POST /forge/uninstall" && name is "empty";

    private static IEnumerable<TestCaseData> CaseData() => Cases.Select((c, i) => new TestCaseData(i).SetName("hostile body: " + c.Name));

    [TestCaseSource(nameof(CaseData))]
    public async Task Every_route_that_reads_a_body_refuses_it_the_same_way_naming_the_field_and_stores_nothing(int index)
    {
        var (name, make, contentType, expect) = Cases[index];
        var bytes = make();
        var before = await KeysAsync();
        var failures = new List<string>();
        foreach (var route in ReadsBody.Order(StringComparer.Ordinal).Where(r => !Exempt(r, name)))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
            request.Content = new ByteArrayContent(bytes);
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            }

            using var response = await Backend.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(60));
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var wrong = await CheckAsync(response);
            if (wrong is null && !expect.Statuses.Contains(status))
            {
                wrong = $"{status}, not {string.Join(" or ", expect.Statuses)}: {Cut(text)}";
            }

            if (wrong is null && status == 400 && expect.Field is not null)
            {
                var errors = JsonNode.Parse(text)!["errors"]?.AsObject();
                var said = errors?[expect.Field]?[0]?.GetValue<string>();
                if (errors?.Count != 1 || said?.StartsWith(expect.Says!, StringComparison.Ordinal) != true)
                {
                    wrong = $"400 does not say '{expect.Field}: {expect.Says}…': {Cut(text)}";
                }
            }

            if (wrong is not null)
            {
                failures.Add($"{route}: {wrong}");
            }
        }

        Assert.That(failures, Is.Empty, name + ":\n" + string.Join("\n", failures));
        Assert.That((await KeysAsync()).Except(before), Is.Empty, "a refused body stored nothing");
    }

    [TestCase("/forge/events")]
    [TestCase("/forge/lifecycle")]
    public async Task A_wrapped_event_of_the_wrong_kind_is_named_where_it_was_read(string path)
    {
        // The Forge routes read {"payload": {...}} as well as the bare event: /forge/lifecycle named a wrong
        // "payload.eventType" as "eventType", which the body it was sent did not have at its root.
        using var request = Request(HttpMethod.Post, path);
        request.Content = new StringContent("{\"payload\":{\"eventType\":5}}", Encoding.UTF8, "application/json");
        using var response = await Backend.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(400), text);
        Assert.That(JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "payload.eventType" }), text);
    }

    [TestCase("")]
    [TestCase("..%2F..%2Fhook")]
    [TestCase("hook/../other")]
    [TestCase("hook\u0000")]
    [TestCase("\u00e9t\u00e9")]
    public async Task A_webhook_envelope_whose_hookId_is_a_string_but_no_id_says_so(string hookId)
    {
        // A present, malformed id (a path, empty, 5,000 characters, non-ASCII) was "is required", as if it were missing.
        foreach (var id in new[] { System.Text.RegularExpressions.Regex.Unescape(hookId), new string('h', 5000) })
        {
            using var request = Request(HttpMethod.Post, "/forge/webhook");
            request.Content = new StringContent(new JsonObject { ["hookId"] = id, ["signature"] = "00", ["timestamp"] = "1", ["body"] = "{}" }.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That((int)response.StatusCode, Is.EqualTo(400), text);
            Assert.That(JsonNode.Parse(text)!["errors"]!["hookId"]![0]!.GetValue<string>(), Does.StartWith("is not a webhook id"), text);
        }
    }

    /// <summary>The keys of every stored item (what a refused body must not add to).</summary>
    private async Task<HashSet<string>> KeysAsync()
        => (await Backend.DumpStoreAsync()).Select(row => string.Join(' ', row.Split(' ', 3).Take(2))).ToHashSet(StringComparer.Ordinal);
}
