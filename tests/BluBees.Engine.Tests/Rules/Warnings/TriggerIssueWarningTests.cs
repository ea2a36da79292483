using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules.Warnings;

/// <summary>
/// A Jira step that acts on "the rule's issue" under a trigger that brings none (a webhook, a schedule without a JQL)
/// fails every run with issue_missing: the save warns at the field to fill in.
/// </summary>
public sealed class TriggerIssueWarningTests
{
    private static readonly JiraFieldSet Fields = new([("summary", "Summary")]);

    private static IReadOnlyList<RuleWarning> Analyze(TriggerDefinition trigger, params StepDefinition[] steps)
        => RuleAnalyzer.Analyze(new RuleDefinition { Name = "Rule", Trigger = trigger, Steps = steps }, Fields, TemplateLimits.Default);

    private static readonly TriggerDefinition Webhook = new() { Type = "webhook", WebhookId = "hook_1" };
    private static readonly TriggerDefinition Daily = new() { Type = "schedule", Schedule = new ScheduleDefinition { Cron = "0 9 * * *" } };

    private static IEnumerable<(string Path, string Code)> Of(IReadOnlyList<RuleWarning> warnings) => warnings.Select(w => (w.Path, w.Code));

    [Test]
    public void A_webhook_or_plain_schedule_rule_whose_Jira_steps_name_no_issue_is_warned_at_each_field_to_fill()
    {
        StepDefinition[] steps =
        [
            new JiraCommentStepDefinition { Id = "note", Body = "Hi" },
            new JiraTransitionStepDefinition { Id = "move", Transition = "Done", Issue = "" },
            new ForEachStepDefinition { Id = "each", Items = "webhook.body.keys", Steps = [new JiraFetchStepDefinition { Id = "read" }] },
            new JiraLinkStepDefinition { Id = "link", LinkType = "Blocks", InwardIssue = "OPS-1" },
        ];
        var expected = new[]
        {
            ("steps[0].issue", RuleWarningCodes.NoIssue), ("steps[1].issue", RuleWarningCodes.NoIssue),
            ("steps[2].steps[0].issue", RuleWarningCodes.NoIssue), ("steps[3].outwardIssue", RuleWarningCodes.NoIssue),
        };
        var webhook = Analyze(Webhook, steps);
        Assert.That(Of(webhook), Is.EqualTo(expected));
        Assert.That(webhook[0].Message, Does.Contain("an incoming webhook brings no Jira issue").And.Contain("issue_missing"));
        Assert.That(Of(Analyze(Daily, steps)), Is.EqualTo(expected));
    }

    [Test]
    public void Steps_that_name_their_issue_or_need_none_and_triggers_that_bring_one_are_not_warned()
    {
        StepDefinition[] named =
        [
            new JiraCommentStepDefinition { Id = "note", Body = "Hi", Issue = "{{ webhook.body.key }}" },
            new JiraSearchStepDefinition { Id = "find", Jql = "project = OPS" },
            new JiraCreateStepDefinition { Id = "make", Project = "OPS", IssueType = "Task", Fields = new() { ["summary"] = "x" } },
            new JiraLinkStepDefinition { Id = "link", LinkType = "Blocks", InwardIssue = "OPS-1", OutwardIssue = "{{ steps.make.key }}" },
        ];
        Assert.That(Analyze(Webhook, named), Is.Empty);
        Assert.That(Analyze(Daily, named), Is.Empty);

        var onIssue = new JiraCommentStepDefinition { Id = "note", Body = "Hi" };
        Assert.That(Analyze(new TriggerDefinition { Type = "event", Events = ["avi:jira:created:issue"] }, onIssue), Is.Empty);
        Assert.That(Analyze(new TriggerDefinition { Type = "manual" }, onIssue), Is.Empty);
        Assert.That(Analyze(new TriggerDefinition { Type = "schedule", Schedule = new ScheduleDefinition { Cron = "0 9 * * *", Jql = "project = OPS" } }, onIssue), Is.Empty);
    }
}
