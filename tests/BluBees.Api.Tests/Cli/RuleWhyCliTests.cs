using System.Diagnostics;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Commands;

namespace BluBees.Api.Tests.Cli;

/// <summary><c>blubees rule why RULE</c> against a backend on Kestrel: the trace in plain language, by id or by name.</summary>
public sealed class RuleWhyCliTests
{
    private static Task<(int Code, string Stdout, string Stderr)> RunCliAsync(params string[] args) => CliProcess.RunAsync(args);

    [Test]
    public async Task Rule_why_explains_each_recent_non_run_in_plain_language()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true", ["Forge:AppId"] = BackendClient.DevAppId });
        string[] Common() => ["--url", backend.Address.ToString(), "--data-dir", backend.DataDirectory];
        var ruleFile = Path.Combine(backend.DataDirectory, "why-rule.json");
        await File.WriteAllTextAsync(ruleFile, """
            {
              "name": "Label OPS bugs",
              "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"] },
              "steps": [ { "id": "label", "type": "jira.edit", "fields": { "labels": "seen" } } ]
            }
            """);
        Assert.That(await ConfigCommands.CreateRuleAsync(new CliArgs(["rule", "create", ruleFile, .. Common()])), Is.Zero);
        Assert.That(await EventCommands.SendAsync(new CliArgs(["event", "send", "updated", "--issue", "WEB-5", "--no-system-token", .. Common()])), Is.Zero);

        var (code, stdout, stderr) = await Waits.UntilAsync(() => RunCliAsync(["rule", "why", "label ops bugs", .. Common()]), r => r.Stdout.Contains("WEB-5", StringComparison.Ordinal));

        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout.Trim(), Does.Match(@"^Event 'issue updated' on WEB-5 at \d{4}-\d\d-\d\d \d\d:\d\d UTC: the trigger's project filter didn't match \(trigger\.projects, in\)$"));

        var (jsonCode, json, _) = await RunCliAsync(["rule", "why", "Label OPS bugs", "--json", .. Common()]);
        Assert.That(jsonCode, Is.Zero);
        Assert.That(JsonNode.Parse(json)!["items"]![0]!["path"]!.GetValue<string>(), Is.EqualTo("trigger.projects"));

        var (missing, missingOut, missingErr) = await RunCliAsync(["rule", "why", "No such rule", .. Common()]);
        Assert.That(missing, Is.EqualTo(2), "an unknown name is a usage error");
        Assert.That(missingOut + missingErr, Does.Contain("No rule named 'No such rule'"));
        var (unknownId, unknownOut, unknownErr) = await RunCliAsync(["rule", "why", "rule_doesnotexist", .. Common()]);
        Assert.That(unknownId, Is.EqualTo(1), "the backend's 404 is exit code 1");
        Assert.That(unknownErr, Does.Contain("404").And.Contain("does not exist"), "errors go to stderr");
        Assert.That(unknownOut, Is.Empty);

        // By id, as `blubees rule list` shows it (ids are rule_…).
        var (_, list, _) = await RunCliAsync(["rule", "list", .. Common()]);
        var id = JsonNode.Parse(list)!["items"]![0]!["id"]!.GetValue<string>();
        Assert.That(id, Does.StartWith("rule_"));
        var (byId, byIdOut, byIdErr) = await RunCliAsync(["rule", "why", id, .. Common()]);
        Assert.That(byId, Is.Zero, byIdOut + byIdErr);
        Assert.That(byIdOut, Does.Contain("WEB-5").And.Contain("trigger.projects"));
    }

    [TestCase("jql_rejected", "Jira refused the schedule's JQL")]
    [TestCase("system_token_missing", "the scheduled trigger came without the app's Jira token")]
    [TestCase("system_token_refused", "Jira refused the app's token")]
    public void A_schedule_that_could_not_search_says_why(string reason, string words)
    {
        var entry = new JsonObject
        {
            ["at"] = "2026-12-03T12:05:00Z", ["source"] = "schedule", ["eventType"] = "blubees:schedule",
            ["stage"] = "schedule", ["path"] = "trigger.schedule.jql", ["operator"] = reason,
        };

        Assert.That(RuleWhyCommand.Describe(entry), Does.StartWith("Event 'schedule' at 2026-12-03 12:05 UTC: " + words).And.EndWith($"(trigger.schedule.jql, {reason})"));
    }

    [Test]
    public async Task An_event_no_rule_could_match_is_reported_as_not_queued_not_as_a_run_to_look_for()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true", ["Forge:AppId"] = BackendClient.DevAppId });
        string[] common = ["--url", backend.Address.ToString(), "--data-dir", backend.DataDirectory, "--tenant", "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-000000norule"];

        var (code, stdout, stderr) = await RunCliAsync(["event", "send", "updated", "--no-system-token", .. common]);

        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("filtered").And.Contain("nothing was queued"));
        Assert.That(stdout, Does.Not.Contain("See the run"), "a filtered event has no run");
    }

    [Test]
    public void Each_stage_reads_as_a_sentence()
    {
        static JsonObject Entry(string stage, string? path, string? op) => new()
        {
            ["at"] = "2026-12-03T12:01:30Z", ["source"] = "event", ["eventType"] = "avi:jira:created:issue", ["issueKey"] = "OPS-12",
            ["stage"] = stage, ["path"] = path, ["operator"] = op,
        };

        Assert.That(RuleWhyCommand.Describe(Entry("conditions", "conditions.all[1]", "equals")),
            Is.EqualTo("Event 'issue created' on OPS-12 at 2026-12-03 12:01 UTC: a condition didn't pass (conditions.all[1], equals)"));
        Assert.That(RuleWhyCommand.Describe(Entry("conditions", "conditions", "any")), Does.EndWith("none of the conditions of an 'any' group passed (conditions, any)"));
        Assert.That(RuleWhyCommand.Describe(Entry("trigger", "trigger.fieldChanged", "changed")), Does.EndWith("the trigger's field-changed filter didn't match (trigger.fieldChanged, changed)"));
        Assert.That(RuleWhyCommand.Describe(Entry("disabled", "enabled", "equals")), Does.EndWith("the rule is disabled (enabled, equals)"));
        Assert.That(() => RuleWhyCommand.ResolveRule([new JsonObject { ["id"] = "rule_a", ["name"] = "Twin" }, new JsonObject { ["id"] = "rule_b", ["name"] = "Twin" }], "twin"),
            Throws.InstanceOf<CliException>().With.Message.Contain("rule_a").And.Message.Contain("rule_b"));
    }
}
