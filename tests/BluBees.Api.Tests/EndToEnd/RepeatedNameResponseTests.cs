using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A connector's JSON answer that repeats a name in an object (<c>{"state":"open","state":"closed"}</c>; RFC 8259
/// says names SHOULD be unique, so a receiver's behaviour is undefined). Parsed lazily, such a body failed only when a
/// later step's <c>if</c> read it: the whole run became <c>internal_error</c> and the records of the steps that had
/// already called out were lost. It is now refused at parse time, like any other body that is not JSON (body null).
/// </summary>
[TestFixture]
public sealed class RepeatedNameResponseTests
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
        _api.Respond = request => request.Path.EndsWith("/lookup", StringComparison.Ordinal)
            ? (200, """{"ticket":{"state":"open","state":"closed"}}""")
            : (200, """{"ok":true}""");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_later_if_reading_a_body_with_a_repeated_name_keeps_the_run_and_its_step_records()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        var rule = JsonNode.Parse($$$"""
            {
              "name": "Notify when the ticket is open",
              "trigger": { "type": "event", "events": ["avi:jira:created:issue"], "projects": ["OPS"] },
              "steps": [
                { "id": "lookup", "type": "http", "connection": "{{{id}}}", "method": "GET", "path": "/lookup" },
                { "id": "notify", "type": "http", "connection": "{{{id}}}", "method": "POST", "path": "/notify", "body": { "k": "{{ issue.key }}" },
                  "if": { "field": "steps.lookup.body.ticket.state", "op": "equals", "value": "open" } }
              ]
            }
            """)!.AsObject();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-51", "Repeated names", "avi:jira:created:issue"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["errorCategory"]?.GetValue<string>(), Is.Not.EqualTo("internal_error"), run.ToJsonString());
        var steps = run["steps"]!.AsArray();
        Assert.That(steps.Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { "lookup", "notify" }), "the lookup's call is recorded");
        Assert.That(steps[0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(steps[0]!["statusCode"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(steps[1]!["status"]!.GetValue<string>(), Is.EqualTo("skipped"), "no value was guessed from the ambiguous body");
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
    }
}
