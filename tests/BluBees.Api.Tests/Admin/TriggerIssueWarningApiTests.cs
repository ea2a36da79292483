using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A scheduled rule without a JQL has no issue: a Jira step acting on "the rule's issue" is saved with a
/// <c>no_issue</c> warning at its Issue field.
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
}
