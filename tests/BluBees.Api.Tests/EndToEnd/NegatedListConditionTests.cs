using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A Jira admin's rule, end to end, with the negated operators and a property path through a list: "Fix versions is not
/// one of 1.0" (<c>issue.fields.fixVersions.name notIn ["1.0"]</c>) and "Components does not contain Legacy" against
/// the lists of objects Jira sends, and <c>{{ issue.fields.fixVersions.name }}</c> rendered as Jira's smart values print
/// it ("2.4.0, 2.5.0": https://support.atlassian.com/jira-core-cloud/docs/smart-values-lists/). The same rule naming a
/// version the issue has does not run.
/// </summary>
[TestFixture]
public sealed class NegatedListConditionTests
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

    private static JsonObject Rule(string connectionId, string name, string version) => JsonNode.Parse($$$"""
        {
          "name": "{{{name}}}",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"] },
          "conditions": { "all": [
            { "field": "issue.fields.fixVersions.name", "op": "notIn", "value": ["{{{version}}}"] },
            { "field": "issue.fields.components", "op": "notContains", "value": "Legacy" } ] },
          "steps": [ { "id": "report", "type": "http", "connection": "{{{connectionId}}}", "method": "POST",
                       "path": "/reports/{{ issue.key }}",
                       "body": { "versions": "{{ issue.fields.fixVersions.name }}" } } ]
        }
        """)!.AsObject();

    [Test]
    public async Task A_rule_with_negated_list_conditions_runs_only_when_no_item_matches_and_renders_the_names()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "not 1.0", "1.0"), 201);
        var excluded = await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "not 2.5.0", "2.5.0"), 201);
        var evt = Samples.Event("OPS-90", "Release notes");
        var fields = evt["issue"]!["fields"]!.AsObject();
        fields["fixVersions"] = JsonNode.Parse("""[{"id":"10100","name":"2.4.0"},{"id":"10101","name":"2.5.0"}]""");
        fields["components"] = JsonNode.Parse("""[{"id":"10000","name":"Backend"}]""");

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var trace = await Waits.UntilAsync(
            () => _backend.JsonAsync(HttpMethod.Get, $"/api/rules/{excluded["id"]!.GetValue<string>()}/trace", tenant),
            t => t["items"]!.AsArray().Count > 0);
        Assert.That(trace["items"]![0]!["stage"]!.GetValue<string>(), Is.EqualTo("conditions"), "the issue has 2.5.0");
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }), runs.ToJsonString());
        var received = (await _api.WaitForAsync(1)).Single();
        Assert.That(JsonNode.Parse(received.Body)!["versions"]!.ToJsonString(), Is.EqualTo("""["2.4.0","2.5.0"]"""), "a whole-value template keeps the list");
    }
}
