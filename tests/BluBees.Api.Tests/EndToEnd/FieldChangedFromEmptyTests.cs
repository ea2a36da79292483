using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A field set for the first time (an issue assigned while unassigned) comes in Jira's changelog with
/// <c>"from": null, "fromString": null</c> (samples/events/issue-updated.json's resolution item). A trigger
/// <c>fieldChanged</c> or a <c>changed</c> condition <c>from: ""</c> ("from empty") must match it.
/// </summary>
[TestFixture]
public sealed class FieldChangedFromEmptyTests
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
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_change_from_jiras_null_matches_from_empty_in_the_trigger_and_in_a_condition()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        var rule = JsonNode.Parse($$$"""
            {
              "name": "First assignment",
              "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": { "field": "assignee", "from": "" } },
              "conditions": { "all": [ { "field": "assignee", "op": "changed", "from": "", "to": "Jane Doe" } ] },
              "steps": [ { "id": "notify", "type": "http", "connection": "{{{id}}}", "method": "POST", "path": "/assigned/{{ issue.key }}" } ]
            }
            """)!.AsObject();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var evt = Samples.Event("OPS-72", "Assigned for the first time");
        evt["changelog"]!["items"] = JsonNode.Parse("""
            [ { "field": "assignee", "fieldtype": "jira", "fieldId": "assignee", "from": null, "fromString": null, "to": "5b10ac8d82e05b22cc7d4ef5", "toString": "Jane Doe" } ]
            """);

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);

        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the trigger matches (an event no rule could match is answered 200 'filtered')");
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }), runs.ToJsonString());
        Assert.That(_api.Received.Count(r => r.Path == "/api/v2/assigned/OPS-72"), Is.EqualTo(1));
    }
}
