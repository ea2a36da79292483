using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// What an HTTP step keeps of a connector's JSON answer as <c>steps.&lt;id&gt;.body</c>, for answers that are JSON
/// grammar but not plain text: a string holding an escaped lone surrogate (<c>"\ud800"</c>, which Java and JavaScript
/// serializers write for a cut emoji), or a body starting with a UTF-8 byte order mark.
/// </summary>
[TestFixture]
public sealed class ResponseBodyTextTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _api = await ThirdPartyApi.StartAsync();
        _api.Respond = request => request.Path switch
        {
            var p when p.EndsWith("/lookup/surrogate", StringComparison.Ordinal) => (200, """{"ticket":{"state":"open","title":"cut \ud83d"}}"""),
            var p when p.EndsWith("/lookup/bom", StringComparison.Ordinal) => (200, "\uFEFF" + """{"ticket":{"state":"open","title":"Printer"}}"""),
            _ => (200, """{"ok":true}"""),
        };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private async Task<JsonNode> RunAsync(string tenant, string lookup, string issueKey)
    {
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        var rule = JsonNode.Parse($$$"""
            {
              "name": "Notify when the ticket is open",
              "trigger": { "type": "event", "events": ["avi:jira:created:issue"], "projects": ["OPS"] },
              "steps": [
                { "id": "lookup", "type": "http", "connection": "{{{id}}}", "method": "GET", "path": "/lookup/{{{lookup}}}" },
                { "id": "notify", "type": "http", "connection": "{{{id}}}", "method": "POST", "path": "/notify/{{{lookup}}}",
                  "body": { "state": "{{ steps.lookup.body.ticket.state }}", "ticket": "{{ steps.lookup.body.ticket }}" },
                  "if": { "field": "steps.lookup.body.ticket.title", "op": "isNotEmpty" } }
              ]
            }
            """)!.AsObject();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "Answer text", "avi:jira:created:issue"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        return runs["items"]!.AsArray().Single()!;
    }

    [Test]
    public async Task An_answer_with_a_lone_surrogate_escape_is_no_body_and_the_run_keeps_its_step_records()
    {
        var run = await RunAsync(Samples.NewTenant(), "surrogate", "OPS-61");

        Assert.That(run["errorCategory"]?.GetValue<string>(), Is.Not.EqualTo("internal_error"), run.ToJsonString());
        var steps = run["steps"]!.AsArray();
        Assert.That(steps.Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { "lookup", "notify" }), "the lookup's call is recorded");
        Assert.That(steps[0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(steps[1]!["status"]!.GetValue<string>(), Is.EqualTo("skipped"), "the body is not JSON that can be read, as a body that does not parse");
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(_backend.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task An_answer_starting_with_a_byte_order_mark_is_read_as_json()
    {
        var run = await RunAsync(Samples.NewTenant(), "bom", "OPS-62");

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), run.ToJsonString());
        Assert.That(run["steps"]![1]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), "the if read the body's title");
        var notify = _api.Received.Single(r => r.Path.EndsWith("/notify/bom", StringComparison.Ordinal));
        var body = JsonNode.Parse(notify.Body)!;
        Assert.That(body["state"]!.GetValue<string>(), Is.EqualTo("open"));
        Assert.That(body["ticket"]!["title"]!.GetValue<string>(), Is.EqualTo("Printer"));
    }
}
