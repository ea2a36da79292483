using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A Jira admin's rule, end to end: "Components contains Backend" and "Region contains EMEA" against the lists of
/// objects Jira sends (<c>[{"id","name"}]</c>, <c>[{"id","value"}]</c>: Get issue,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get),
/// a summary with '?', '#' and '/' rendered into the step's path, and a label list rendered into the body as Jira's
/// smart values print a list ("a, b": https://support.atlassian.com/cloud-automation/docs/examples-of-using-smart-values-with-lists/).
/// </summary>
[TestFixture]
public sealed class ListFieldAndPathDataTests
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

    private static JsonObject Rule(string connectionId, string name, string component) => JsonNode.Parse($$$"""
        {
          "name": "{{{name}}}",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"] },
          "conditions": { "all": [
            { "field": "issue.fields.components", "op": "contains", "value": "{{{component}}}" },
            { "field": "issue.fields.customfield_10050", "op": "in", "value": ["EMEA", "LATAM"] } ] },
          "steps": [ { "id": "report", "type": "http", "connection": "{{{connectionId}}}", "method": "POST",
                       "path": "/reports/{{ issue.fields.summary }}",
                       "body": { "labels": "labels: {{ issue.fields.labels }}" } } ]
        }
        """)!.AsObject();

    [Test]
    public async Task A_rule_on_list_fields_matches_by_name_and_issue_data_stays_one_path_segment()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "backend", "Backend"), 201);
        var frontend = await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(id, "frontend", "Frontend"), 201);
        var evt = Samples.Event("OPS-80", "Q3 report?draft=1#top/part");
        var fields = evt["issue"]!["fields"]!.AsObject();
        fields["components"] = JsonNode.Parse("""[{"id":"10000","name":"Backend"},{"id":"10001","name":"API"}]""");
        fields["customfield_10050"] = JsonNode.Parse("""[{"id":"10200","value":"EMEA"}]""");
        fields["labels"] = new JsonArray("billing", "urgent");

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var trace = await Waits.UntilAsync(
            () => _backend.JsonAsync(HttpMethod.Get, $"/api/rules/{frontend["id"]!.GetValue<string>()}/trace", tenant),
            t => t["items"]!.AsArray().Count > 0);
        Assert.That(trace["items"]![0]!["stage"]!.GetValue<string>(), Is.EqualTo("conditions"), "no component is named Frontend");
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }), runs.ToJsonString());
        var received = (await _api.WaitForAsync(1)).Single();
        using (Assert.EnterMultipleScope())
        {
            // The server decodes the path (all but '%2F'): the whole summary arrived inside it, and no query started.
            Assert.That(received.Path, Is.EqualTo("/api/v2/reports/Q3 report?draft=1#top%2Fpart"));
            Assert.That(received.Query, Is.Empty);
            Assert.That(JsonNode.Parse(received.Body)!["labels"]!.GetValue<string>(), Is.EqualTo("labels: billing, urgent"));
        }
    }

    /// <summary>
    /// A step reading an earlier step that its <c>if</c> skipped finds nothing: "/tickets/{{ steps.lookup.body.id }}"
    /// rendered "/tickets/", and the DELETE meant for one ticket went to the collection. It now fails before sending,
    /// and the run record names the step's <c>path</c>.
    /// </summary>
    [Test]
    public async Task A_step_reading_a_skipped_step_does_not_address_the_collection()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, "t"), 201);
        var id = connection["id"]!.GetValue<string>();
        var rule = JsonNode.Parse($$$"""
            {
              "name": "close ticket",
              "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"] },
              "steps": [
                { "id": "lookup", "type": "http", "connection": "{{{id}}}", "method": "GET", "path": "/lookup/{{ issue.key }}",
                  "if": { "all": [ { "field": "issue.fields.summary", "op": "equals", "value": "never" } ] } },
                { "id": "close", "type": "http", "connection": "{{{id}}}", "method": "DELETE", "path": "/tickets/{{ steps.lookup.body.id }}" } ]
            }
            """)!.AsObject();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-81", "Close the ticket"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        var steps = runs["items"]![0]!["steps"]!.AsArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(runs["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("failed"), runs.ToJsonString());
            Assert.That(steps[0]!["skippedBy"]!.GetValue<string>(), Is.EqualTo("if"));
            Assert.That(steps[1]!["errorCategory"]!.GetValue<string>(), Is.EqualTo("template_error"));
            Assert.That(steps[1]!["failedField"]!.GetValue<string>(), Is.EqualTo("path"));
            Assert.That(_api.Received.Where(r => r.Path.Contains("/tickets", StringComparison.Ordinal)), Is.Empty, "nothing may reach the collection");
        }
    }
}
