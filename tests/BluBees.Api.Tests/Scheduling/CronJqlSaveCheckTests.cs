using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A schedule's JQL is checked by Jira's "Parse JQL query" when the admin saves or validates the rule, with the
/// admin's own token: a JQL Jira cannot parse is a 400 naming trigger.schedule.jql (Jira's text reduced to its
/// position), nothing saved; a JQL naming something the admin cannot see, or one Jira could not be asked about, is
/// saved with a warning.
/// </summary>
public sealed class CronJqlSaveCheckTests : CronTickHarness
{
    [SetUp]
    public void ResetJira()
    {
        Backend.Jira.JqlParseStatus = null;
        Backend.Jira.UnknownJqlValues.Clear();
    }

    [TestCase("POST", "/api/rules")]
    [TestCase("POST", "/api/rules/validate")]
    [TestCase("PUT", null)]
    public async Task A_JQL_Jira_cannot_parse_is_a_400_naming_the_field(string method, string? path)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var name = "Bad JQL " + Guid.NewGuid().ToString("N")[..6];
        string? existing = null;
        if (path is null)
        {
            existing = await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *", jql: "project = OPS"), "/jql", name: name));
            path = "/api/rules/" + existing;
        }

        var before = Backend.Jira.JqlParses.Count;
        using var response = await Backend.SendAsync(new HttpMethod(method), path, tenant, Rule(connection, Cron("*/5 * * * *", jql: "project = "), "/jql", name: name));

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var problem = JsonNode.Parse(text)!;
        var calls = Backend.Jira.JqlParses.Skip(before).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "trigger.schedule.jql" }));
            Assert.That(problem["errors"]!["trigger.schedule.jql"]![0]!.GetValue<string>(), Does.StartWith("Jira cannot parse this JQL (line 1, character "));
            Assert.That(text, Does.Not.Contain("Expecting").And.Not.Contain("quotation"), "Jira's own message is not echoed");
            Assert.That(calls.Select(c => (c.Validation, c.Queries.Single(), c.AccountId)), Is.EqualTo(new[] { ("warn", "project = ", (string?)"557058:admin") }),
                "asked once, as the saving user");
        });

        var rules = await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        if (existing is not null)
        {
            var saved = await Backend.JsonAsync(HttpMethod.Get, "/api/rules/" + existing, tenant);
            Assert.That(saved["definition"]!["trigger"]!["schedule"]!["jql"]!.GetValue<string>(), Is.EqualTo("project = OPS"), "the saved version is kept");
        }
        else
        {
            Assert.That(rules["items"]!.AsArray(), Is.Empty, "nothing was saved");
        }
    }

    [Test]
    public async Task A_valid_JQL_saves_without_a_JQL_warning()
    {
        var tenant = Samples.NewTenant();
        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *", jql: "project = OPS AND statusCategory != Done"), "/ok"), 201);
        Assert.That(created["warnings"]!.AsArray().Select(w => w!["path"]!.GetValue<string>()), Does.Not.Contain("trigger.schedule.jql"));
    }

    [Test]
    public async Task A_JQL_naming_what_the_admin_cannot_see_is_saved_with_a_warning()
    {
        var tenant = Samples.NewTenant();
        Backend.Jira.UnknownJqlValues["SECRET"] = true;
        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *", jql: "project = SECRET"), "/unknown"), 201);

        var warning = created["warnings"]!.AsArray().Single(w => w!["path"]!.GetValue<string>() == "trigger.schedule.jql")!;
        Assert.That(warning["code"]!.GetValue<string>(), Is.EqualTo("jql_unknown_value"));
        Assert.That(created.ToJsonString(), Does.Not.Contain("does not exist for the field"));
    }

    [Test]
    public async Task When_Jira_cannot_be_asked_the_rule_is_saved_with_a_warning()
    {
        var tenant = Samples.NewTenant();
        Backend.Jira.JqlParseStatus = 503;
        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *", jql: "project = "), "/unchecked"), 201);

        var warning = created["warnings"]!.AsArray().Single(w => w!["path"]!.GetValue<string>() == "trigger.schedule.jql")!;
        Assert.That(warning["code"]!.GetValue<string>(), Is.EqualTo("jql_not_checked"));
    }
}
