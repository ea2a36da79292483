using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Permissions;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>Any user of the issue panel may run a manual rule for an issue; its run shows on the issue.</summary>
public sealed class ManualRunTests : BackendFixture
{
    private static JsonObject Manual => new() { ["type"] = "manual" };

    private async Task<string> ManualRuleAsync(string tenant, bool enabled = true)
    {
        var rule = new JsonObject
        {
            ["name"] = "Escalate",
            ["enabled"] = enabled,
            ["trigger"] = Manual,
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "escalate", ["type"] = "http", ["connection"] = await CreateConnectionAsync(tenant), ["method"] = "POST",
                ["path"] = "/escalations/{{ issue.key | url_encode }}",
                ["body"] = new JsonObject { ["key"] = "{{ issue.key }}", ["by"] = "{{ user.accountId }}", ["source"] = "{{ event.source }}" },
            }),
        };
        return (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
    }

    [Test]
    public async Task A_user_runs_a_manual_rule_and_the_run_shows_on_the_issue()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        var issueKey = "OPS-" + Random.Shared.Next(1000, 99999);
        var systemToken = "sys-" + Guid.NewGuid().ToString("N");
        Backend.Jira.SystemToken = systemToken; // the run reads the issue as the app (ManualRunIssueTests)
        Backend.Jira.SystemIssues = new() { [issueKey] = FakeJira.Issue(issueKey, new JsonObject { ["summary"] = "Escalate me" }) };

        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey }, accountId: AdminWriteTests.User, systemToken: systemToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!.GetValue<string>(), Is.EqualTo("accepted"));

        var received = await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received.Where(r => r.Path == $"/api/v2/escalations/{issueKey}").ToList()), r => r.Count == 1);
        Assert.That(received, Has.Count.EqualTo(1));
        var body = JsonNode.Parse(received[0].Body)!;
        Assert.Multiple(() =>
        {
            Assert.That(body["key"]!.GetValue<string>(), Is.EqualTo(issueKey));
            Assert.That(body["by"]!.GetValue<string>(), Is.EqualTo(AdminWriteTests.User));
            Assert.That(body["source"]!.GetValue<string>(), Is.EqualTo("manual"));
        });

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issueKey), tenant), r => r["items"]!.AsArray().Count == 1);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(run["ruleId"]!.GetValue<string>(), Is.EqualTo(ruleId));
            Assert.That(run["source"]!.GetValue<string>(), Is.EqualTo("manual"));
            Assert.That(run["eventType"]!.GetValue<string>(), Is.EqualTo("blubees:manual"));
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        });
    }

    /// <summary>
    /// "Run now" double-clicked (or clicked again after an answer that never came): the panel sends the same request id,
    /// and the second request is the same run — 202 queued or 200 duplicate, one call to the third party, one run record.
    /// Before, the backend had no way to tell a double click from a second run, and every click ran the rule again.
    /// A new request id is a new run.
    /// </summary>
    [Test]
    public async Task The_same_request_sent_twice_at_once_and_again_later_runs_once_and_a_new_request_runs_again()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        var issueKey = "OPS-" + Random.Shared.Next(1000, 99999);
        var systemToken = "sys-" + Guid.NewGuid().ToString("N");
        Backend.Jira.SystemToken = systemToken;
        Backend.Jira.SystemIssues = new() { [issueKey] = FakeJira.Issue(issueKey, new JsonObject { ["summary"] = "Escalate me" }) };
        var requestId = Guid.NewGuid().ToString();
        Task<HttpResponseMessage> Click(string id)
            => Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey, requestId = id }, accountId: AdminWriteTests.User, systemToken: systemToken);

        var clicks = await Task.WhenAll(Click(requestId), Click(requestId));
        var answers = new List<string>();
        foreach (var click in clicks)
        {
            answers.Add($"{(int)click.StatusCode} {JsonNode.Parse(await click.Content.ReadAsStringAsync())?["status"]?.GetValue<string>()}");
            click.Dispose();
        }

        Assert.That(answers.Count(a => a == "202 accepted"), Is.EqualTo(1), string.Join(", ", answers));
        Assert.That(answers.Where(a => a != "202 accepted"), Is.All.AnyOf("202 queued", "200 duplicate"), string.Join(", ", answers));
        var path = $"/api/v2/escalations/{issueKey}";
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issueKey), tenant), r => r["items"]!.AsArray().Count >= 1);

        using (var again = await Click(requestId))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the run has finished: the same request is its duplicate");
            Assert.That(JsonNode.Parse(await again.Content.ReadAsStringAsync())!["status"]!.GetValue<string>(), Is.EqualTo("duplicate"));
        }

        using (var next = await Click(Guid.NewGuid().ToString()))
        {
            Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "another request id: another run");
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issueKey), tenant), r => r["items"]!.AsArray().Count >= 2);
        await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received.Count(r => r.Path == path)), n => n >= 2);
        Assert.Multiple(() =>
        {
            Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(2), "two requests, two runs: the double click ran once");
            // A transport retry of one run's send repeats its Idempotency-Key; each run has its own.
            Assert.That(ThirdParty.Received.Where(r => r.Path == path)
                .Select(r => r.Headers.FirstOrDefault(h => h.Key.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase)).Value)
                .Distinct().Count(), Is.EqualTo(2), "two operations at the third party");
        });
    }

    [Test]
    public async Task A_rule_without_a_manual_trigger_is_409()
    {
        var tenant = Samples.NewTenant();
        var ruleId = (await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant))))["id"]!.GetValue<string>();
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = "OPS-1" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("is triggered by 'event'; only rules with a manual trigger"));
    }

    [Test]
    public async Task A_disabled_manual_rule_is_409()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant, enabled: false);
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = "OPS-1" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("disabled"));
    }

    [Test]
    public async Task An_unknown_rule_is_404()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/rule_nope/run", Samples.NewTenant(), new { issueKey = "OPS-1" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        await ProblemAsync(response);
    }

    [Test]
    public async Task Another_tenants_rule_is_404()
    {
        var owner = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(owner);
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", Samples.NewTenant(), new { issueKey = "OPS-1" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("""{"issueKey":"ops-1"}""", "issueKey")]
    [TestCase("""{"issueKey":"OPS-1/../x"}""", "issueKey")]
    [TestCase("""{"issueKey":"OPS"}""", "issueKey")]
    [TestCase("""{}""", "issueKey")]
    [TestCase("""{"issueKey":17}""", "issueKey")]
    [TestCase("""{"issueKey":"OPS-1","extra":1}""", "extra")]
    [TestCase("""{"issueKey":"OPS-1","requestId":""}""", "requestId")]
    [TestCase("""{"issueKey":"OPS-1","requestId":"a/../b"}""", "requestId")]
    [TestCase("""{"issueKey":"OPS-1","requestId":7}""", "requestId")]
    public async Task A_bad_body_is_400_naming_the_field(string body, string field)
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]![field], Is.Not.Null);
    }

    // A key that is given but is not one was answered "is required", sending the caller looking for a missing field.
    [TestCase("""{"issueKey":"ops-1"}""", "is not an issue key")]
    [TestCase("""{"issueKey":"OPS-1/../x"}""", "is not an issue key")]
    [TestCase("""{"issueKey":"ÖPS-1"}""", "is not an issue key")]
    [TestCase("""{"issueKey":"OPS-99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999"}""", "is not an issue key")]
    [TestCase("""{}""", "is required")]
    [TestCase("""{"issueKey":null}""", "is required")]
    [TestCase("""{"issueKey":""}""", "is required")]
    public async Task A_missing_key_is_required_and_a_malformed_one_is_not_an_issue_key(string body, string message)
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var messages = (await ProblemAsync(response))["errors"]!["issueKey"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.That(messages, Has.Exactly(1).StartsWith(message).And.Contain("an issue key such as OPS-17"));
    }
}
