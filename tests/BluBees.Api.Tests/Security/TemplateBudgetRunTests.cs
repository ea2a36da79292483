using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The per-run template budget end to end: a rule of 20 steps that each loop <c>contains</c> over a 200 KB field (the largest event Forge delivers)
/// ends its renders on the step limit, then on the run's budget (<c>template_budget_exceeded</c> in the run
/// record); conditions that scan a huge field fail the run the same way. Nothing is sent, no data is recorded,
/// and another tenant's trivial run is unaffected.
/// </summary>
[TestFixture]
public sealed class TemplateBudgetRunTests
{
    private const string Attack = "{% for i in (1..2000) %}{% if issue.fields.description contains 'needle' %}x{% endif %}{% endfor %}";
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _thirdParty = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["TemplateBudget:MaxRunUnits"] = "30000" });
        _thirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _thirdParty.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private async Task<string> ConnectionAsync(string tenant) =>
        (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, Samples.Canary("secret")), 201))["id"]!.GetValue<string>();

    private async Task<JsonNode> RunOfAsync(string tenant, string issueKey, string description)
    {
        var evt = Samples.Event(issueKey, "Summary");
        evt["issue"]!["fields"]!["description"] = description;
        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0, TimeSpan.FromSeconds(60));
        return runs["items"]!.AsArray().Single()!;
    }

    [Test]
    public async Task Twenty_attack_steps_end_on_the_runs_budget_and_record_template_budget_exceeded()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await ConnectionAsync(tenant), "Hostile");
        var template = (JsonObject)rule["steps"]![0]!;
        var steps = new JsonArray();
        for (var i = 0; i < 20; i++)
        {
            var step = (JsonObject)template.DeepClone();
            step["id"] = $"s{i}";
            step["onError"] = "continue";
            step["body"] = new JsonObject { ["scan"] = Attack };
            steps.Add(step);
        }

        rule["steps"] = steps;
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var before = _thirdParty.Received.Count;
        var canary = Samples.Canary("description");

        var run = await RunOfAsync(tenant, "OPS-901", canary + new string('a', 200_000));

        var categories = run["steps"]!.AsArray().Select(s => s!["errorCategory"]?.GetValue<string>()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(categories, Has.Count.EqualTo(20));
            Assert.That(categories[0], Is.EqualTo("template_error"), "the first render ends on its own step limit");
            Assert.That(categories[^1], Is.EqualTo("template_budget_exceeded"));
            Assert.That(categories.Count(c => c == "template_budget_exceeded"), Is.GreaterThanOrEqualTo(17), "30,000 units cover at most two renders");
            Assert.That(categories, Has.All.Not.Null);
            Assert.That(run.ToJsonString(), Does.Not.Contain(canary));
        });
        Assert.That(_thirdParty.Received, Has.Count.EqualTo(before), "no step sent anything");
    }

    [Test]
    public async Task Conditions_scanning_a_huge_field_fail_the_run_on_its_budget()
    {
        // Events are at most 256 KiB, so 99 conditions over a 200 KB field are measured against a smaller run budget.
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["TemplateBudget:MaxRunUnits"] = "15000" });
        var tenant = Samples.NewTenant();
        var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, Samples.Canary("secret")), 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(connection, "Hostile conditions");
        rule["conditions"] = new JsonObject
        {
            ["any"] = new JsonArray(Enumerable.Range(0, 99).Select(i => (JsonNode)new JsonObject
            {
                ["field"] = "issue.fields.description",
                ["op"] = i % 2 == 0 ? "contains" : "matches",
                ["value"] = i % 2 == 0 ? "needle" : "needle[0-9]+",
            }).ToArray()),
        };
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var before = _thirdParty.Received.Count;

        var evt = Samples.Event("OPS-902", "Summary");
        evt["issue"]!["fields"]!["description"] = new string('a', 200_000);
        using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0, TimeSpan.FromSeconds(60));
        var run = runs["items"]![0]!;

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(run["errorCategory"]!.GetValue<string>(), Is.EqualTo("template_budget_exceeded"));
        Assert.That(_thirdParty.Received, Has.Count.EqualTo(before));
    }

    [Test]
    public async Task One_event_reaching_many_rules_shares_one_message_budget_and_another_tenants_event_still_runs()
    {
        // Each rule's run had a budget of its own, and a message runs every rule the event fires (up to 500 per tenant):
        // one event cost as many run budgets as the tenant had rules (500 × 5 s of rendering on one worker, 8 workers at
        // once). Now every run of a message also charges the message's budget (TemplateBudget:MaxMessageUnits). Each of
        // these 12 rules does less than its run budget (30 scans of a 200 KB field), and together far more than the
        // message's: the first rules run, the rest each record template_budget_exceeded and send nothing.
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["TemplateBudget:MaxRunUnits"] = "15000",
            ["TemplateBudget:MaxMessageUnits"] = "30000",
        });
        var tenant = Samples.NewTenant();
        var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, Samples.Canary("secret")), 201))["id"]!.GetValue<string>();
        const int rules = 12;
        for (var r = 0; r < rules; r++)
        {
            var rule = Samples.Rule(connection);
            rule["conditions"] = new JsonObject
            {
                ["all"] = new JsonArray(Enumerable.Range(0, 30).Select(i => (JsonNode)new JsonObject
                {
                    ["field"] = "issue.fields.description",
                    ["op"] = "contains",
                    ["value"] = "needle",
                }).ToArray()),
            };
            await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        }

        var quiet = Samples.NewTenant();
        var quietConnection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", quiet, Samples.Connection(_thirdParty.Address, Samples.Canary("secret")), 201))["id"]!.GetValue<string>();
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", quiet, Samples.Rule(quietConnection), 201);
        var before = _thirdParty.Received.Count;

        var evt = Samples.Event("OPS-904", "Summary");
        evt["issue"]!["fields"]!["description"] = new string('a', 200_000) + "needle";
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", quiet, Samples.Event("OPS-905", "Summary")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = (await Waits.UntilAsync(() => backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= rules, TimeSpan.FromSeconds(120)))["items"]!.AsArray();
        var quietRuns = (await Waits.UntilAsync(() => backend.JsonAsync(HttpMethod.Get, "/api/runs", quiet), r => r["items"]!.AsArray().Count > 0, TimeSpan.FromSeconds(120)))["items"]!.AsArray();
        var statuses = runs.Select(r => (Status: r!["status"]!.GetValue<string>(), Category: r["errorCategory"]?.GetValue<string>())).ToList();
        var succeeded = statuses.Count(s => s.Status == "succeeded");
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r!["ruleId"]!.GetValue<string>()).Distinct().Count(), Is.EqualTo(rules), "one record per rule");
            Assert.That(succeeded, Is.GreaterThan(0), "the first rules ran within the message's budget");
            Assert.That(succeeded, Is.LessThan(rules), "the message's budget stopped the rest");
            Assert.That(statuses.Where(s => s.Status != "succeeded"), Has.All.EqualTo(("failed", (string?)"template_budget_exceeded")));
            Assert.That(_thirdParty.Received.Count - before, Is.EqualTo(succeeded + 1), "only the runs within the budget (and the other tenant's) sent anything");
            Assert.That(quietRuns.Single()!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), "another tenant's event has a budget of its own");
        });
    }

    [Test]
    public async Task A_trivial_run_of_another_tenant_still_succeeds()
    {
        var tenant = Samples.NewTenant();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(await ConnectionAsync(tenant)), 201);

        var run = await RunOfAsync(tenant, "OPS-903", "short");

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(run["errorCategory"], Is.Null);
    }
}
