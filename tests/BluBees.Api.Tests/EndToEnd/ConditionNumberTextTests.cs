using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// Jira's REST answers carry number fields as JSON numbers in their own spelling (Story Points as <c>5.0</c>), and the
/// rule builder sends an <c>equals</c> or <c>is one of</c> value as the text the admin typed (<c>"5"</c>, a list of texts
/// for <c>in</c>). "Story Points equals 5" must match such an issue, and "does not equal 5" must not.
/// </summary>
[TestFixture]
public sealed class ConditionNumberTextTests
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

    private static JsonObject Rule(string connectionId, string name, string op, JsonNode value) => JsonNode.Parse($$$"""
        {
          "name": "{{{name}}}",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"] },
          "conditions": { "all": [ { "field": "issue.fields.customfield_10016", "op": "{{{op}}}", "value": {{{value.ToJsonString()}}} } ] },
          "steps": [ { "id": "notify", "type": "http", "connection": "{{{connectionId}}}", "method": "POST", "path": "/points/{{{name}}}",
                       "body": { "points": "{{ issue.fields.customfield_10016 }}" } } ]
        }
        """)!.AsObject();

    [Test]
    public async Task A_number_field_in_jiras_spelling_matches_the_typed_text_of_equals_and_in()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "equals", "equals", JsonValue.Create("5")), 201);
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "in", "in", new JsonArray("3", "5")), 201);
        var notEquals = await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "notEquals", "notEquals", JsonValue.Create("5")), 201);
        var evt = Samples.Event("OPS-71", "Story points as Jira sends them");
        evt["issue"]!["fields"]!["customfield_10016"] = JsonNode.Parse("5.0"); // Jira's number field: 5.0, not 5

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var trace = await Waits.UntilAsync(
            () => _backend.JsonAsync(HttpMethod.Get, $"/api/rules/{notEquals["id"]!.GetValue<string>()}/trace", tenant),
            t => t["items"]!.AsArray().Count > 0);
        Assert.That(trace["items"]![0]!["stage"]!.GetValue<string>(), Is.EqualTo("conditions"), "5.0 is 5: 'does not equal 5' fails");
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded", "succeeded" }), runs.ToJsonString());
        var paths = _api.Received.Select(r => r.Path).Where(p => p.StartsWith("/api/v2/points/", StringComparison.Ordinal)).Order().ToArray();
        Assert.That(paths, Is.EqualTo(new[] { "/api/v2/points/equals", "/api/v2/points/in" }));
        Assert.That(JsonNode.Parse(_api.Received.First(r => r.Path.EndsWith("/equals", StringComparison.Ordinal)).Body)!["points"]!.ToJsonString(), Is.EqualTo("5.0"));
    }
}
