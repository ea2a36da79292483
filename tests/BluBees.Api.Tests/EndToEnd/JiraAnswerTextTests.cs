using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// What the Jira steps keep of Jira's answers that are JSON grammar but not plain text: a string holding an escaped
/// lone surrogate (<c>"\ud83d"</c>, a cut emoji in an issue's summary) or a body starting with a UTF-8 byte order mark.
/// The fake Jira on loopback serves them; the run must keep its step records, never end as internal_error.
/// </summary>
[TestFixture]
public sealed class JiraAnswerTextTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _sink = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _sink = await ThirdPartyApi.StartAsync();
        _backend.Jira.RespondAction = call => (call.Method, call.Path) switch
        {
            ("GET", "/rest/api/3/issue/OPS-71") => (200, """{"id":"10071","key":"OPS-71","fields":{"summary":"cut \ud83d"}}"""),
            ("GET", "/rest/api/3/issue/OPS-72") => (200, "\uFEFF" + """{"id":"10072","key":"OPS-72","fields":{"summary":"Printer"}}"""),
            ("GET", "/rest/api/3/issue/OPS-74") => (200, """{"id":"10074","key":"OPS-74","fields":{"summary":"one","summary":"two"}}"""),
            ("POST", "/rest/api/3/search/jql") => (200, """{"issues":[{"id":"10073","key":"OPS-73","fields":{"summary":"cut \ud83d"}}],"isLast":true}"""),
            _ => null,
        };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _sink.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private async Task<JsonNode> RunAsync(string issueKey, JsonObject read, string field)
    {
        var tenant = Samples.NewTenant();
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        var connection = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_sink.Address, "t"), 201))["id"]!.GetValue<string>();
        var rule = new JsonObject
        {
            ["name"] = "Report the issue read",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(
                read,
                new JsonObject
                {
                    ["id"] = "notify", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/notify/" + issueKey,
                    ["body"] = new JsonObject { ["summary"] = "{{ " + field + " }}" },
                    ["if"] = new JsonObject { ["field"] = field, ["op"] = "isNotEmpty" },
                }),
        };
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        var evt = Samples.Event(issueKey, "Answer text");
        evt["timestamp"] = DateTimeOffset.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", token);
        using var accepted = await _backend.Client.SendAsync(request);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        return runs["items"]!.AsArray().Single()!;
    }

    [Test]
    public async Task A_fetched_issue_with_a_lone_surrogate_escape_fails_the_step_and_the_run_keeps_its_step_records()
    {
        var run = await RunAsync("OPS-71", new JsonObject { ["id"] = "read", ["type"] = "jira.fetch" }, "steps.read.issue.fields.summary");

        Assert.That(run["errorCategory"]?.GetValue<string>(), Is.Not.EqualTo("internal_error"), run.ToJsonString());
        var steps = run["steps"]!.AsArray();
        Assert.That(steps[0]!["id"]!.GetValue<string>(), Is.EqualTo("read"), "the fetch is recorded: " + steps.ToJsonString());
        Assert.That(steps[0]!["status"]!.GetValue<string>(), Is.EqualTo("failed"), "an answer without a readable issue, as one that does not parse");
        Assert.That(_sink.Received.Where(r => r.Path.EndsWith("/notify/OPS-71", StringComparison.Ordinal)), Is.Empty, "no summary read");
        Assert.That(_backend.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task A_searched_issue_with_a_lone_surrogate_escape_does_not_end_the_run_as_internal_error()
    {
        var run = await RunAsync("OPS-73", new JsonObject { ["id"] = "read", ["type"] = "jira.search", ["jql"] = "project = OPS" }, "steps.read.issues");

        Assert.That(run["errorCategory"]?.GetValue<string>(), Is.Not.EqualTo("internal_error"), run.ToJsonString());
        Assert.That(run["steps"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()), Does.Contain("read"), "the search is recorded");
        Assert.That(_backend.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task A_fetched_issue_repeating_a_name_does_not_end_the_run_as_internal_error()
    {
        var run = await RunAsync("OPS-74", new JsonObject { ["id"] = "read", ["type"] = "jira.fetch" }, "steps.read.issue.fields.summary");

        Assert.That(run["errorCategory"]?.GetValue<string>(), Is.Not.EqualTo("internal_error"), run.ToJsonString());
        Assert.That(run["steps"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("read"));
        Assert.That(_backend.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task A_fetched_issue_starting_with_a_byte_order_mark_is_read()
    {
        var run = await RunAsync("OPS-72", new JsonObject { ["id"] = "read", ["type"] = "jira.fetch" }, "steps.read.issue.fields.summary");

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), run.ToJsonString());
        var notify = _sink.Received.Single(r => r.Path.EndsWith("/notify/OPS-72", StringComparison.Ordinal));
        Assert.That(JsonNode.Parse(notify.Body)!["summary"]!.GetValue<string>(), Is.EqualTo("Printer"));
    }
}
