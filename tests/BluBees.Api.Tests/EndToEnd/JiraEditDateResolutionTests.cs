using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// jira.edit sets the due date and the resolution, and a priority left blank is refused at save, on Kestrel against
/// the loopback Jira. Jira's shapes: <c>"duedate": "2019-05-11"</c>, a day (Create issue,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post);
/// <c>"resolution": {"name": "Fixed"}</c> (Transition issue,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post;
/// the names and ids are those of Get resolutions,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-resolutions/#api-rest-api-3-resolution-get),
/// and <c>null</c> clears a field (Edit issue,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
/// </summary>
[TestFixture]
public sealed class JiraEditDateResolutionTests : BackendFixture
{
    private static JsonObject Rule(JsonObject fields) => new()
    {
        ["name"] = "Resolve with a due date",
        ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
        ["steps"] = new JsonArray(new JsonObject { ["id"] = "close", ["type"] = "jira.edit", ["fields"] = fields }),
    };

    private async Task<JsonObject> EditSentForAsync(JsonObject fields, string issueKey)
    {
        var tenant = Samples.NewTenant();
        var token = Backend.Jira.SystemToken = Samples.Canary("system-token");
        await CreateRuleAsync(tenant, Rule(fields));
        var evt = Samples.Event(issueKey, "Checkout fails");
        evt["issue"]!["fields"]!["created"] = "2026-03-02T22:15:00.000-0800";

        using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt, systemToken: token);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var page = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(page["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), page.ToJsonString());
        var put = Backend.Jira.Actions.Single(a => a.Method == "PUT" && a.Path == $"/rest/api/3/issue/{issueKey}");
        return JsonNode.Parse(put.Body)!["fields"]!.AsObject();
    }

    [Test]
    public async Task The_edit_sends_the_due_date_as_a_day_and_the_resolution_by_name()
    {
        var fields = await EditSentForAsync(new JsonObject
        {
            ["duedate"] = "{{ issue.fields.created | plus_days: 3 }}",
            ["resolution"] = "Done",
        }, "OPS-611");

        Assert.Multiple(() =>
        {
            Assert.That(fields["duedate"]!.GetValue<string>(), Is.EqualTo("2026-03-05"), "the day of the date-time, as written in its own offset");
            Assert.That(fields["resolution"]!.ToJsonString(), Is.EqualTo("""{"name":"Done"}"""));
        });
    }

    [Test]
    public async Task A_picked_day_and_a_resolution_by_id_are_sent_as_written_and_empty_values_clear_the_fields()
    {
        var picked = await EditSentForAsync(new JsonObject { ["duedate"] = "2026-12-31", ["resolution"] = new JsonObject { ["id"] = "10000" } }, "OPS-612");
        var cleared = await EditSentForAsync(new JsonObject { ["duedate"] = "", ["resolution"] = null }, "OPS-613");

        Assert.Multiple(() =>
        {
            Assert.That(picked["duedate"]!.GetValue<string>(), Is.EqualTo("2026-12-31"));
            Assert.That(picked["resolution"]!.ToJsonString(), Is.EqualTo("""{"id":"10000"}"""));
            Assert.That(cleared.ContainsKey("duedate") && cleared["duedate"] is null, Is.True, "no due date: " + cleared.ToJsonString());
            Assert.That(cleared.ContainsKey("resolution") && cleared["resolution"] is null, Is.True, "unresolved: " + cleared.ToJsonString());
        });
    }

    [TestCase("duedate", "\"31/12/2026\"", "yyyy-MM-dd")]
    [TestCase("duedate", "\"2026-02-30\"", "yyyy-MM-dd")]
    [TestCase("duedate", "20261231", "yyyy-MM-dd")]
    [TestCase("resolution", "5", "resolution name")]
    [TestCase("resolution", "[\"Done\"]", "resolution name")]
    [TestCase("resolution", "{\"value\":\"Done\"}", "resolution name")]
    [TestCase("priority", "\"\"", "no empty priority")]
    [TestCase("priority", "\"   \"", "no empty priority")]
    [TestCase("priority", "{\"name\":\" \"}", "no empty priority")]
    [TestCase("priority", "{\"id\":\"\"}", "no empty priority")]
    [TestCase("priority", "{}", "no empty priority")]
    public async Task A_value_Jira_cannot_take_is_refused_at_save_naming_the_field(string field, string json, string message)
    {
        var tenant = Samples.NewTenant();
        var rule = Rule(new JsonObject { ["summary"] = "kept", [field] = JsonNode.Parse(json) });

        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), problem.ToJsonString());
        Assert.That(problem["errors"]?[$"steps[0].fields.{field}"]?[0]?.GetValue<string>(), Does.Contain(message), problem.ToJsonString());
        var rules = await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(rules["items"]!.AsArray(), Is.Empty, "nothing was saved");
    }

    /// <summary>
    /// <c>jira.create</c> takes the due date by its field id too: a literal that is not a day was sent as written and
    /// refused by Jira on every run (a failed run per event); it is refused at save, as the edit's is. A template, a
    /// date-time and empty are still taken (JiraDueDateTests).
    /// </summary>
    [TestCase("\"next week\"")]
    [TestCase("\"31/12/2026\"")]
    [TestCase("\"2026-02-30\"")]
    [TestCase("20261231")]
    [TestCase("{\"day\":\"2026-12-31\"}")]
    public async Task A_create_due_date_that_is_not_a_day_is_refused_at_save_naming_the_field(string json)
    {
        var tenant = Samples.NewTenant();
        var rule = Rule(new JsonObject());
        rule["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "open", ["type"] = "jira.create", ["issueType"] = "Task",
            ["fields"] = new JsonObject { ["summary"] = "kept", ["duedate"] = JsonNode.Parse(json) },
        });

        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), problem.ToJsonString());
        Assert.That(problem["errors"]?["steps[0].fields.duedate"]?[0]?.GetValue<string>(), Does.Contain("yyyy-MM-dd"), problem.ToJsonString());
        var rules = await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(rules["items"]!.AsArray(), Is.Empty, "nothing was saved");
    }
}
