using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Permissions;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// <c>GET /api/rules/{id}/trace</c> on Kestrel: events that reached a rule without running it, stopped at the trigger
/// (at the ingress, not queued), at the conditions (in the worker) or because the rule is disabled — metadata only.
/// Samples.Rule listens to updated/created in OPS with the condition priority equals High.
/// </summary>
public sealed class RuleTraceApiTests : BackendFixture
{
    private async Task<JsonArray> TraceAsync(string tenant, string ruleId, int atLeast)
        => (await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", tenant), t => t["items"]!.AsArray().Count >= atLeast))["items"]!.AsArray();

    private async Task SendEventAsync(string tenant, JsonObject evt, HttpStatusCode expected)
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(response.StatusCode, Is.EqualTo(expected));
    }

    /// <summary>
    /// Whether the trace entries these events would leave for the rule land in different slots. Two entries share
    /// one in 50 times by design (the ring of RunStore.Trace.cs keeps the newer), so a test that expects both entries
    /// picks a tenant for which they do not: otherwise it would fail about one run in 50.
    /// </summary>
    private static bool SlotsDiffer(string tenant, string ruleId, params JsonObject[] events)
        => SlotsOf(tenant, ruleId, events).Distinct().Count() == events.Length;

    /// <summary>The slots the store holds for the rule's trace (to check that <see cref="SlotsDiffer"/> computes the store's).</summary>
    private async Task<string[]> StoredSlotsAsync(string ruleId)
        => [.. (await Backend.DumpStoreAsync()).Select(row => System.Text.RegularExpressions.Regex.Match(row, "TRACE#" + ruleId + "#(\\d\\d)")).Where(m => m.Success).Select(m => m.Groups[1].Value).Order()];

    private static string[] SlotsOf(string tenant, string ruleId, params JsonObject[] events)
    {
        var id = new TenantId(tenant);
        return [.. events.Select(e => RunStore.Slot(id, RunIds.MessageFor(id, EventIngestor.DedupKey(JiraEvent.From(e.DeepClone(), out _)!)), ruleId).ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).Order()];
    }

    [Test]
    public async Task A_trigger_filter_and_a_condition_that_failed_are_named_and_a_run_is_not_traced()
    {
        var lowPriority = Samples.Event("OPS-12", "Low one");
        lowPriority["issue"]!["fields"]!["priority"]!["name"] = "Low";
        var otherProject = Samples.Event("WEB-7", "Other project");
        string tenant, ruleId;
        do
        {
            tenant = Samples.NewTenant();
            ruleId = (await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant))))["id"]!.GetValue<string>();
        }
        while (!SlotsDiffer(tenant, ruleId, lowPriority, otherProject));

        await SendEventAsync(tenant, otherProject, HttpStatusCode.OK); // filtered at the ingress
        await SendEventAsync(tenant, lowPriority, HttpStatusCode.Accepted);
        await SendEventAsync(tenant, Samples.Event("OPS-13", "Runs"), HttpStatusCode.Accepted);
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);

        var trace = await TraceAsync(tenant, ruleId, 2);

        Assert.That(trace, Has.Count.EqualTo(2), "the event that ran the rule has a run, not a trace entry");
        Assert.That(await StoredSlotsAsync(ruleId), Is.EqualTo(SlotsOf(tenant, ruleId, lowPriority, otherProject)), "the test computes the store's slots");
        var byIssue = trace.ToDictionary(e => e!["issueKey"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(Fields(byIssue["WEB-7"]!), Is.EqualTo(("trigger", "trigger.projects", "in", "event", "avi:jira:updated:issue", "107")));
            Assert.That(Fields(byIssue["OPS-12"]!), Is.EqualTo(("conditions", "conditions.all[0]", "equals", "event", "avi:jira:updated:issue", "1012")));
            Assert.That(byIssue["OPS-12"]!["ruleVersion"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(DateTimeOffset.Parse(byIssue["OPS-12"]!["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        });
    }

    private static (string, string, string, string, string, string) Fields(JsonNode entry) => (
        entry["stage"]!.GetValue<string>(), entry["path"]!.GetValue<string>(), entry["operator"]!.GetValue<string>(),
        entry["source"]!.GetValue<string>(), entry["eventType"]!.GetValue<string>(), entry["issueId"]!.GetValue<string>());

    [Test]
    public async Task A_disabled_rule_the_event_reached_says_so_and_a_rule_on_other_events_is_not_reached()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        var disabledId = (await CreateRuleAsync(tenant, Samples.Rule(connectionId, "Disabled one")))["id"]!.GetValue<string>();
        await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{disabledId}/disable", tenant);
        var deletedOnly = Samples.Rule(connectionId, "On deletes");
        deletedOnly["trigger"]!["events"] = new JsonArray("avi:jira:deleted:issue");
        var otherId = (await CreateRuleAsync(tenant, deletedOnly))["id"]!.GetValue<string>();
        var control = (await CreateRuleAsync(tenant, Samples.Rule(connectionId, "Control")))["id"]!.GetValue<string>();

        await SendEventAsync(tenant, Samples.Event("OPS-21", "Reaches"), HttpStatusCode.Accepted);
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Any(x => x!["ruleId"]!.GetValue<string>() == control));

        var trace = await TraceAsync(tenant, disabledId, 1);
        Assert.That(trace.Single()!["stage"]!.GetValue<string>(), Is.EqualTo("disabled"));
        Assert.That(trace.Single()!["issueKey"]!.GetValue<string>(), Is.EqualTo("OPS-21"));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{otherId}/trace", tenant))["items"]!.AsArray(), Is.Empty,
            "an event type the trigger does not list never reached the rule");
    }

    [Test]
    public async Task An_unknown_rule_is_a_404_problem_and_a_non_admin_is_refused()
    {
        var tenant = Samples.NewTenant();
        var ruleId = (await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant))))["id"]!.GetValue<string>();

        foreach (var id in new[] { "rul_doesnotexist", "not%20an%20id" })
        {
            using var missing = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{id}/trace", tenant);
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), id);
            var problem = await ProblemAsync(missing);
            Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(404));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("does not exist"));
        }

        using var user = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", tenant, accountId: AdminWriteTests.User);
        Assert.That(user.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        var otherTenant = Samples.NewTenant();
        using var foreign = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", otherTenant);
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another tenant's rule does not exist for this one");
    }

    [Test]
    public async Task Deleting_the_rule_deletes_its_trace()
    {
        var tenant = Samples.NewTenant();
        var ruleId = (await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant))))["id"]!.GetValue<string>();
        await SendEventAsync(tenant, Samples.Event("WEB-31", "Other project"), HttpStatusCode.OK);
        await TraceAsync(tenant, ruleId, 1);
        Assert.That(await Backend.DumpStoreAsync(), Has.Some.Contains("TRACE#" + ruleId), "the dump sees the trace item");

        using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{ruleId}", tenant);

        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await Backend.DumpStoreAsync(), Has.None.Contains("TRACE#" + ruleId));
    }

    [Test]
    public async Task No_value_of_the_event_or_the_rule_reaches_the_trace_the_store_the_files_or_the_logs()
    {
        var ruleValue = Samples.Canary("rulevalue");
        var ruleProject = "P" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        var eventValue = Samples.Canary("eventvalue");
        var conditionMiss = Samples.Event("OPS-41", eventValue);
        conditionMiss["issue"]!["fields"]!["priority"]!["name"] = eventValue;
        var triggerMiss = Samples.Event("WEB-42", eventValue);
        conditionMiss["changelog"]!["items"]![0]!["toString"] = eventValue;
        string tenant, ruleId;
        do
        {
            tenant = Samples.NewTenant();
            var rule = Samples.Rule(await CreateConnectionAsync(tenant));
            rule["trigger"]!["projects"] = new JsonArray("OPS", ruleProject);
            rule["conditions"] = new JsonObject
            {
                ["all"] = new JsonArray(
                    new JsonObject { ["field"] = "issue.fields.priority.name", ["op"] = "in", ["value"] = new JsonArray("High", ruleValue) },
                    new JsonObject { ["field"] = "issue.fields.summary", ["op"] = "contains", ["value"] = ruleValue }),
            };
            ruleId = (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
        }
        while (!SlotsDiffer(tenant, ruleId, conditionMiss, triggerMiss));

        await SendEventAsync(tenant, triggerMiss, HttpStatusCode.OK);
        await SendEventAsync(tenant, conditionMiss, HttpStatusCode.Accepted);
        var response = (await TraceAsync(tenant, ruleId, 2)).ToJsonString();

        Assert.That(response, Does.Contain("conditions.all[0]").And.Contain("trigger.projects"), "the response carries the entries");
        var store = string.Join('\n', await Backend.DumpStoreAsync());
        var files = Backend.DumpDataDirectory();
        var logs = Backend.Logs.AllText;
        Assert.That(store, Does.Contain("TRACE#" + ruleId), "the dump must see the trace items");
        var traceItems = string.Join('\n', (await Backend.DumpStoreAsync()).Where(row => row.Contains("TRACE#", StringComparison.Ordinal)));
        foreach (var canary in new[] { eventValue, ruleValue, ruleProject })
        {
            Assert.That(response, Does.Not.Contain(canary), "API response");
            Assert.That(traceItems, Does.Not.Contain(canary), "stored trace items");
            Assert.That(logs, Does.Not.Contain(canary), "log lines");
        }

        foreach (var canary in new[] { eventValue })
        {
            Assert.That(store, Does.Not.Contain(canary), "no stored item at all holds the event's values");
            Assert.That(files, Does.Not.Contain(canary), "raw bytes of the data directory");
        }
    }
}
