using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A scheduled rule without a JQL has no issue: a Jira step acting on "the rule's issue" is saved with a
/// <c>no_issue</c> warning at its Issue field; the builder's "stale issues" template (a Jira search, then a post) has none.
/// </summary>
public sealed class TriggerIssueWarningApiTests : BackendFixture
{
    private static JsonObject Daily => new() { ["type"] = "schedule", ["schedule"] = new JsonObject { ["cron"] = "0 9 * * *" } };

    [Test]
    public async Task A_daily_rule_commenting_on_no_issue_is_saved_with_a_no_issue_warning_at_the_issue_field()
    {
        var tenant = Samples.NewTenant();
        var created = await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "Daily note",
            ["trigger"] = Daily,
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "Daily check" }),
        });
        var warnings = created["warnings"]!.AsArray();
        Assert.That(warnings.Select(w => (w!["path"]!.GetValue<string>(), w["code"]!.GetValue<string>())), Is.EqualTo(new[] { ("steps[0].issue", "no_issue") }));
        Assert.That(created["version"]!.GetValue<int>(), Is.EqualTo(1), "a warning never blocks the save");
    }

    [Test]
    public async Task The_stale_issues_template_searches_with_a_Jira_step_and_saves_without_warnings()
    {
        var tenant = Samples.NewTenant();
        var created = await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "Escalate stale high-priority issues",
            ["trigger"] = Daily,
            ["steps"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = "stale", ["type"] = "jira.search", ["jql"] = "priority in (High, Highest) AND statusCategory != Done AND updated < -3d",
                    ["select"] = new JsonArray("summary"), ["maxResults"] = 50,
                },
                new JsonObject
                {
                    ["id"] = "post", ["type"] = "http", ["connection"] = await CreateConnectionAsync(tenant), ["method"] = "POST", ["path"] = "/",
                    ["body"] = new JsonObject { ["text"] = """{{ steps.stale.count }} stale high-priority issues: {{ steps.stale.issues | map: "key" | join: ", " }}""" },
                }),
        });
        Assert.That(created["warnings"]?.AsArray() ?? [], Is.Empty);
    }
}
