using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Permissions;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A manual run reads its issue from Jira (with the app's system token) when it runs, so that its templates and
/// conditions see <c>issue.fields</c> as an event-triggered run's do; the issue's content is held in memory only
/// (never in the queue row, a stored item or a log line), and an issue Jira does not show ends as one failed run record.
/// </summary>
public sealed class ManualRunIssueTests : BackendFixture
{
    private async Task<string> ManualRuleAsync(string tenant)
    {
        var rule = new JsonObject
        {
            ["name"] = "Escalate with fields",
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["conditions"] = new JsonObject
            {
                ["all"] = new JsonArray(new JsonObject { ["field"] = "issue.fields.priority.name", ["op"] = "equals", ["value"] = "High" }),
            },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "escalate", ["type"] = "http", ["connection"] = await CreateConnectionAsync(tenant), ["method"] = "POST",
                ["path"] = "/escalations/{{ issue.key | url_encode }}",
                ["body"] = new JsonObject { ["summary"] = "{{ issue.fields.summary }}", ["id"] = "{{ issue.id }}" },
            }),
        };
        return (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
    }

    private static string NewKey() => "OPS-" + Random.Shared.Next(1000, 99999);

    private async Task<JsonNode> OnlyRunAsync(string tenant, string issueKey)
    {
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issueKey), tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1), "exactly one run record");
        return runs["items"]!.AsArray().Single()!;
    }

    /// <summary>
    /// A run whose issue Jira did not return: it is in the run log, but not in the issue panel — the panel lists runs by
    /// issue id, and the run never learnt its issue's id (the request names the issue by key only).
    /// </summary>
    private async Task<JsonNode> OnlyLoggedRunAsync(string tenant, string issueKey)
    {
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1), "exactly one run record");
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["issueKey"]!.GetValue<string>(), Is.EqualTo(issueKey));
        Assert.That(run["issueId"], Is.Null, "Jira did not say which issue it is");
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issueKey), tenant))["items"]!.AsArray(), Is.Empty, "not in the panel of an issue id it cannot name");
        return run;
    }

    [Test]
    public async Task A_manual_run_reads_its_issue_so_conditions_and_templates_see_the_fields()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        var issueKey = NewKey();
        var summary = "Printer on fire " + Guid.NewGuid().ToString("N");
        var systemToken = "sys-" + Guid.NewGuid().ToString("N");
        Backend.Jira.SystemToken = systemToken;
        Backend.Jira.SystemIssues = new ConcurrentDictionary<string, JsonObject>
        {
            [issueKey] = FakeJira.Issue(issueKey, new JsonObject { ["summary"] = summary, ["priority"] = new JsonObject { ["name"] = "High" } }),
        };

        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey }, accountId: AdminWriteTests.User, systemToken: systemToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var received = await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received.Where(r => r.Path == $"/api/v2/escalations/{issueKey}").ToList()), r => r.Count == 1);
        Assert.That(received, Has.Count.EqualTo(1), "the condition on issue.fields.priority passed");
        var body = JsonNode.Parse(received[0].Body)!;
        var run = await OnlyRunAsync(tenant, issueKey);
        Assert.Multiple(() =>
        {
            Assert.That(body["summary"]!.GetValue<string>(), Is.EqualTo(summary));
            Assert.That(body["id"]!.GetValue<string>(), Is.EqualTo(FakeJira.Issue(issueKey, []) ["id"]!.GetValue<string>()));
            Assert.That(Backend.Jira.Actions.Where(a => a.Method == "GET" && a.Path == "/rest/api/3/issue/" + issueKey).Select(a => a.Authorization),
                Is.EqualTo(new[] { "Bearer " + systemToken }), "read once, with the app's token");
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(run["source"]!.GetValue<string>(), Is.EqualTo("manual"));
        });

        // Pass-through: the issue's content was in the run's memory only.
        Assert.Multiple(() =>
        {
            Assert.That(Backend.DumpDataDirectory(), Does.Not.Contain(summary));
            Assert.That(Backend.Logs.AllText, Does.Not.Contain(summary));
        });
    }

    /// <summary>
    /// The run record keeps the issue's id and key, which a manual run takes from Jira's answer: a value that is not an
    /// issue id (digits) or key (PROJECT-123) is answer data, pass-through, and was kept verbatim in the record (the
    /// runs API, the store, the support staff's reads). The run still sees the answer as Jira sent it.
    /// </summary>
    [Test]
    public async Task An_answer_whose_issue_id_or_key_is_not_jiras_shape_is_not_kept_in_the_run_record()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        var issueKey = NewKey();
        var idCanary = Samples.Canary("issueid");
        var keyCanary = Samples.Canary("issuekey");
        var systemToken = "sys-" + Guid.NewGuid().ToString("N");
        Backend.Jira.SystemToken = systemToken;
        var issue = FakeJira.Issue(issueKey, new JsonObject { ["summary"] = "Printer", ["priority"] = new JsonObject { ["name"] = "High" } });
        issue["id"] = idCanary;
        issue["key"] = keyCanary;
        Backend.Jira.SystemIssues = new ConcurrentDictionary<string, JsonObject> { [issueKey] = issue };

        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey }, accountId: AdminWriteTests.User, systemToken: systemToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var received = await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received.Where(r => r.Path == $"/api/v2/escalations/{keyCanary}").ToList()), r => r.Count == 1);
        Assert.That(received, Has.Count.EqualTo(1), "control: the run saw Jira's answer as Jira sent it");
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1), "exactly one run record");
        var detail = await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + runs["items"]![0]!["id"]!.GetValue<string>(), tenant);
        var store = string.Join('\n', await Backend.DumpStoreAsync());
        Assert.Multiple(() =>
        {
            Assert.That(runs["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            foreach (var canary in new[] { idCanary, keyCanary })
            {
                Assert.That(runs.ToJsonString() + detail.ToJsonString(), Does.Not.Contain(canary), "runs API");
                Assert.That(store, Does.Not.Contain(canary), "stored items");
                Assert.That(Backend.DumpDataDirectory(), Does.Not.Contain(canary), "data files");
                Assert.That(Backend.Logs.AllText, Does.Not.Contain(canary), "log lines");
            }
        });
    }

    [Test]
    public async Task An_issue_Jira_does_not_show_the_app_is_one_failed_run_jira_issue_not_found_and_no_step_runs()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        var issueKey = NewKey();
        var systemToken = "sys-" + Guid.NewGuid().ToString("N");
        Backend.Jira.SystemToken = systemToken;
        Backend.Jira.SystemIssues = new ConcurrentDictionary<string, JsonObject>(); // Jira answers 404

        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey }, accountId: AdminWriteTests.User, systemToken: systemToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var run = await OnlyLoggedRunAsync(tenant, issueKey);
        Assert.Multiple(() =>
        {
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(run["errorCategory"]!.GetValue<string>(), Is.EqualTo("jira_issue_not_found"));
            Assert.That(run["steps"]!.AsArray().Select(s => s!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "skipped" }));
            Assert.That(ThirdParty.Received.Where(r => r.Path == $"/api/v2/escalations/{issueKey}"), Is.Empty);
        });
    }

    [Test]
    public async Task A_manual_run_without_the_apps_token_fails_as_system_token_missing()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await ManualRuleAsync(tenant);
        var issueKey = NewKey();

        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey }, accountId: AdminWriteTests.User);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var run = await OnlyLoggedRunAsync(tenant, issueKey);
        Assert.Multiple(() =>
        {
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(run["errorCategory"]!.GetValue<string>(), Is.EqualTo("system_token_missing"));
            Assert.That(Backend.Jira.Actions.Where(a => a.Path == "/rest/api/3/issue/" + issueKey), Is.Empty, "nothing sent without a token");
        });
    }
}
