using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Permissions;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A manual run's issue, read from Jira when the run starts, is part of the data the run holds
/// (<c>Runs:MaxRunDataBytes</c>) as an event's queued payload is. The smallest budget (64 KiB) equals the step cap
/// here, so an issue just under the cap does not fit beside the run's event; sizes, not timings.
/// </summary>
[TestFixture]
public sealed class ManualRunDataBudgetTests
{
    private const int Budget = 64 * 1024;
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["Runs:MaxStepResponseBytes"] = Budget.ToString(CultureInfo.InvariantCulture),
            ["Runs:MaxRunDataBytes"] = Budget.ToString(CultureInfo.InvariantCulture),
        });
        _api = await ThirdPartyApi.StartAsync();
        _api.Respond = _ => (200, """{"ok":true}""");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_manual_run_whose_issue_does_not_fit_in_the_runs_data_budget_fails_with_its_category_before_any_step()
    {
        var tenant = Samples.NewTenant();
        var connection = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, Samples.Canary("secret")), 201))["id"]!.GetValue<string>();
        var rule = new JsonObject
        {
            ["name"] = "Escalate",
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "escalate", ["type"] = "http", ["connection"] = connection, ["method"] = "POST",
                ["path"] = "/escalations", ["body"] = new JsonObject { ["key"] = "{{ issue.key }}" },
            }),
        };
        var ruleId = (await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201))["id"]!.GetValue<string>();

        // An issue just under the step cap (so Jira's answer is read whole), which with the run's event passes the budget.
        var issueKey = "OPS-" + Random.Shared.Next(1000, 99999);
        var issue = FakeJira.Issue(issueKey, new JsonObject { ["summary"] = "Big", ["description"] = string.Empty });
        issue["fields"]!["description"] = new string('x', Budget - 32 - issue.ToJsonString().Length);
        Assert.That(issue.ToJsonString().Length, Is.EqualTo(Budget - 32));
        var systemToken = _backend.Jira.SystemToken = Samples.Canary("system-token");
        _backend.Jira.SystemIssues = new() { [issueKey] = issue };

        using var response = await _backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey }, accountId: AdminWriteTests.User, systemToken: systemToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issueKey), tenant), r => r["items"]!.AsArray().Count == 1);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That($"{run["status"]} {run["errorCategory"]}", Is.EqualTo("failed run_data_budget_exceeded"), "before, the issue was not counted and the run succeeded");
        Assert.That(_api.Received.Where(r => r.Path.EndsWith("/escalations", StringComparison.Ordinal)), Is.Empty, "no step ran");
        var detail = await _backend.JsonAsync(HttpMethod.Get, $"/api/runs/{run["id"]}", tenant);
        Assert.That(detail["steps"]!.AsArray().Select(s => $"{s!["id"]} {s["status"]}"), Is.EqualTo(new[] { "escalate skipped" }));
    }
}
