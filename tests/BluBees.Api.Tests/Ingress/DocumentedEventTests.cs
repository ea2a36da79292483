using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// The Forge event contract, tested with the documented shapes (samples/events, built from
/// https://developer.atlassian.com/platform/forge/events-reference/jira/): every fixture is accepted, triggers and
/// conditions work on <c>associatedStatuses</c> (an array) and ADF comment bodies, unknown event types are acknowledged
/// and ignored without their text reaching a log line, and the size limit fits Forge's 200 kB.
/// </summary>
public sealed class DocumentedEventTests : BackendFixture
{
    [TestCase("created")]
    [TestCase("updated")]
    [TestCase("commented")]
    [TestCase("deleted")]
    public async Task Every_documented_fixture_is_accepted_flat_and_nested_under_payload(string kind)
    {
        // Accepted by validation: 202 when a rule could match, 200 "filtered" for this rule-less tenant; never a 4xx.
        var tenant = Samples.NewTenant();
        using var flat = await SendEventAsync(tenant, SampleEvents.Fixture(kind));
        Assert.That(flat.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK), await flat.Content.ReadAsStringAsync());

        var nested = SampleEvents.Fixture(kind);
        nested["timestamp"] = "1767259999999";
        using var wrapped = await SendEventAsync(tenant, new JsonObject { ["payload"] = nested });
        Assert.That(wrapped.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK), await wrapped.Content.ReadAsStringAsync());
    }

    [TestCase("created", "avi:jira:created:issue")]
    [TestCase("updated", "avi:jira:updated:issue")]
    [TestCase("commented", "avi:jira:commented:issue")]
    [TestCase("deleted", "avi:jira:deleted:issue")]
    public void The_cli_sends_the_fixture_with_fresh_identifiers(string kind, string eventType)
    {
        var now = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
        var evt = SampleEvents.Create(kind, "OPS-42", now, "Checkout fails");
        Assert.Multiple(() =>
        {
            Assert.That(evt["eventType"]!.GetValue<string>(), Is.EqualTo(eventType));
            Assert.That(evt["issue"]!["key"]!.GetValue<string>(), Is.EqualTo("OPS-42"));
            Assert.That(evt["issue"]!["fields"]!["project"]!["key"]!.GetValue<string>(), Is.EqualTo("OPS"));
            Assert.That(evt["issue"]!["fields"]!["summary"]!.GetValue<string>(), Is.EqualTo("Checkout fails"));
            Assert.That(evt["timestamp"]!.GetValue<string>(), Is.EqualTo(now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public async Task The_quickstart_rule_fires_on_the_cli_updated_event()
    {
        var tenant = Samples.NewTenant();
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BluBees.sln")))
        {
            root = root.Parent;
        }

        var rule = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root!.FullName, "samples", "rule.json")))!.AsObject();
        rule["steps"]![0]!["connection"] = await CreateConnectionAsync(tenant);
        var evt = SampleEvents.Create("updated", "OPS-42", DateTimeOffset.UtcNow);

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = evt });

        Assert.That(result["matched"]!.GetValue<bool>(), Is.True, result.ToJsonString());
    }

    [Test]
    public async Task A_status_transition_fires_a_fieldChanged_trigger_and_associatedStatuses_is_an_array_in_the_scope()
    {
        var tenant = Samples.NewTenant();
        var rule = DryRunRule(
            new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["fieldChanged"] = new JsonObject { ["field"] = "status", ["from"] = "To Do", ["to"] = "Done" } },
            new JsonObject
            {
                ["all"] = new JsonArray(
                    new JsonObject { ["field"] = "associatedStatuses[1].name", ["op"] = "equals", ["value"] = "Done" },
                    new JsonObject { ["field"] = "associatedStatuses[0].name", ["op"] = "equals", ["value"] = "To Do" },
                    new JsonObject { ["field"] = "status", ["op"] = "changed", ["to"] = "Done" }),
            });

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = SampleEvents.Fixture("updated") });

        Assert.That(result["trigger"]!["matched"]!.GetValue<bool>(), Is.True, result.ToJsonString());
        Assert.That(result["matched"]!.GetValue<bool>(), Is.True, result.ToJsonString());
    }

    [Test]
    public async Task An_ADF_comment_body_reads_as_plain_text_in_conditions_and_templates()
    {
        var tenant = Samples.NewTenant();
        var rule = DryRunRule(
            new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:commented:issue") },
            new JsonObject { ["all"] = new JsonArray(new JsonObject { ["field"] = "comment.bodyText", ["op"] = "contains", ["value"] = "rolling back the cart" }) },
            "{{ comment.bodyText }}");

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = SampleEvents.Fixture("commented") });

        Assert.That(result["matched"]!.GetValue<bool>(), Is.True, result.ToJsonString());
        var body = result["requests"]![0]!["body"]!["body"]!.ToJsonString();
        Assert.That(body, Does.Contain("Reproduced on staging;").And.Contain("rolling back the cart service.").And.Contain("@Mia Krystof please confirm."));
    }

    [Test]
    public async Task A_date_in_an_ADF_comment_reads_as_its_date_in_the_plain_text()
    {
        // ADF date node: attrs.timestamp, a UNIX timestamp in milliseconds as a string
        // (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/date). Jira shows it as a day.
        var tenant = Samples.NewTenant();
        var evt = SampleEvents.Fixture("commented");
        evt["comment"]!["body"] = JsonNode.Parse("""
            {"type":"doc","version":1,"content":[{"type":"paragraph","content":[
              {"type":"text","text":"Fix promised for "},{"type":"date","attrs":{"timestamp":"1735689600000"}},{"type":"text","text":"."}]}]}
            """);
        var rule = DryRunRule(new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:commented:issue") }, null, "{{ comment.bodyText }}");

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = evt });

        var body = result["requests"]![0]!["body"]!["body"]!.ToJsonString();
        Assert.That(body, Does.Contain("Fix promised for 2025-01-01."), body);
    }

    [Test]
    public async Task An_emoji_without_text_in_an_ADF_comment_reads_as_its_short_name()
    {
        // ADF emoji node: attrs.shortName is required, attrs.text optional
        // (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/emoji).
        var tenant = Samples.NewTenant();
        var evt = SampleEvents.Fixture("commented");
        evt["comment"]!["body"] = JsonNode.Parse("""
            {"type":"doc","version":1,"content":[{"type":"paragraph","content":[
              {"type":"text","text":"Deployed "},{"type":"emoji","attrs":{"shortName":":white_check_mark:","id":"2705"}}]}]}
            """);
        var rule = DryRunRule(new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:commented:issue") }, null, "{{ comment.bodyText }}");

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = evt });

        var body = result["requests"]![0]!["body"]!["body"]!.ToJsonString();
        Assert.That(body, Does.Contain("Deployed :white_check_mark:"), body);
    }

    [Test]
    public async Task A_link_card_in_an_ADF_comment_reads_as_its_url()
    {
        // ADF blockCard / embedCard: attrs.url (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/blockcard).
        var tenant = Samples.NewTenant();
        var evt = SampleEvents.Fixture("commented");
        evt["comment"]!["body"] = JsonNode.Parse("""
            {"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Incident report:"}]},
              {"type":"blockCard","attrs":{"url":"https://status.example.com/incidents/42"}},
              {"type":"paragraph","content":[{"type":"text","text":"Please review."}]}]}
            """);
        var rule = DryRunRule(new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:commented:issue") }, null, "{{ comment.bodyText }}");

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = evt });

        var body = result["requests"]![0]!["body"]!["body"]!.ToJsonString();
        Assert.That(body, Does.Contain("https://status.example.com/incidents/42"), body);
    }

    [Test]
    public async Task A_deleted_issue_event_runs_a_rule_that_names_it()
    {
        var tenant = Samples.NewTenant();
        var rule = DryRunRule(new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:deleted:issue"), ["projects"] = new JsonArray("SP") }, null);

        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = SampleEvents.Fixture("deleted") });

        Assert.That(result["matched"]!.GetValue<bool>(), Is.True, result.ToJsonString());
    }

    [Test]
    public async Task An_unknown_event_type_is_acknowledged_ignored_counted_and_never_logged_or_queued()
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        var canary = "avi:jira:" + Samples.Canary("type");
        var evt = SampleEvents.Fixture("updated");
        evt["eventType"] = canary;
        evt["issue"]!["fields"]!["project"]!["key"] = "OPS";

        using var first = await SendEventAsync(tenant, evt);
        using var again = await SendEventAsync(tenant, evt);

        foreach (var response in new[] { first, again })
        {
            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK));
            Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!.GetValue<string>(), Is.EqualTo("ignored"), "ignored, not de-duplicated: nothing was recorded");
        }

        await Task.Delay(300);
        var runs = await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.That(runs["items"]!.AsArray(), Is.Empty, "nothing was queued");
        Assert.That(Backend.Logs.AllText, Does.Not.Contain(canary), "the event type is input: it never reaches a log line");
        Assert.That(Backend.Logs.AllText, Does.Contain("An event of an unknown type was acknowledged and ignored"));
        Assert.That(string.Join('\n', await Backend.DumpStoreAsync()), Does.Not.Contain(canary));
    }

    [Test]
    public async Task A_known_event_is_logged_by_its_type_from_the_closed_vocabulary_only()
    {
        var tenant = Samples.NewTenant();
        var evt = SampleEvents.Fixture("created");
        var canary = Samples.Canary("summary");
        evt["issue"]!["fields"]!["summary"] = canary;
        evt["timestamp"] = BodyBatteryTests.UniqueTimestamp();

        using var response = await SendEventAsync(tenant, evt);

        Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK));
        Assert.That(Backend.Logs.AllText, Does.Contain("avi:jira:created:issue"));
        Assert.That(Backend.Logs.AllText, Does.Not.Contain(canary));
    }

    [Test]
    public async Task An_event_just_under_Forges_200_kB_is_accepted_and_one_over_the_limit_is_413()
    {
        var tenant = Samples.NewTenant();
        var evt = SampleEvents.Fixture("created");
        evt["issue"]!["fields"]!["description"] = new string('d', 199_000);
        using var big = await SendEventAsync(tenant, evt);
        Assert.That(big.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK), "Forge delivers events up to 200 kB: the backend takes them");

        evt["issue"]!["fields"]!["description"] = new string('d', 260 * 1024);
        using var tooBig = await SendEventAsync(tenant, evt);
        Assert.That(tooBig.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await ProblemAsync(tooBig);
    }

    private Task<HttpResponseMessage> SendEventAsync(string tenant, JsonObject evt)
        => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", Issuer.MintFor("/forge/events", tenant), evt, withUserToken: false);

    private static JsonObject DryRunRule(JsonObject trigger, JsonObject? conditions, string commentBody = "Seen {{ issue.key }}")
    {
        var rule = new JsonObject
        {
            ["name"] = "Documented shapes",
            ["trigger"] = trigger,
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = commentBody }),
        };
        if (conditions is not null)
        {
            rule["conditions"] = conditions;
        }

        return rule;
    }
}
