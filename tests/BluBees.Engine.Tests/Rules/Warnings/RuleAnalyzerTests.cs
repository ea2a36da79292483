using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Templates;
using NUnit.Framework;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Tests.Rules.Warnings;

/// <summary>Save-time warnings: paths that read nothing, triggers on fields Jira lacks, steps read before they run.</summary>
public sealed class RuleAnalyzerTests
{
    private static readonly JiraFieldSet Fields = new([("summary", "Summary"), ("status", "Status"), ("labels", "Labels"), ("customfield_10016", "Story Points")]);

    private static RuleDefinition Rule(IReadOnlyList<StepDefinition> steps, ConditionNode? conditions = null, string? fieldChanged = null) => new()
    {
        Name = "Rule",
        Trigger = new TriggerDefinition
        {
            Type = "event",
            Events = ["avi:jira:updated:issue"],
            FieldChanged = fieldChanged is null ? null : new FieldChangeDefinition { Field = fieldChanged },
        },
        Conditions = conditions,
        Steps = steps,
    };

    private static HttpStepDefinition Http(string id, JsonNode? body = null, string path = "/x") => new() { Id = id, Connection = "conn_1", Method = "POST", Path = path, Body = body };

    private static IReadOnlyList<RuleWarning> Analyze(RuleDefinition rule, bool jiraAnswered = true) => RuleAnalyzer.Analyze(rule, jiraAnswered ? Fields : null, TemplateLimits.Default);

    [Test]
    public void A_mistyped_root_is_an_unknown_scope_root_at_the_field_that_holds_it()
    {
        var warnings = Analyze(Rule([Http("a", new JsonObject { ["key"] = "{{ isue.fields.summary }}" })]));
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Path, Is.EqualTo("steps[0].body.key"));
        Assert.That(warnings[0].Code, Is.EqualTo(RuleWarningCodes.UnknownScopeRoot));
        Assert.That(warnings[0].Message, Does.Contain("'isue'").And.Contain("Did you mean 'issue'?"));
    }

    [Test]
    public void A_field_Jira_does_not_have_is_an_unknown_field_with_a_suggestion()
    {
        var warnings = Analyze(Rule([Http("a", path: "/t/{{ issue.fields.sumary }}")]));
        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EqualTo(new[] { ("steps[0].path", RuleWarningCodes.UnknownField) }));
        Assert.That(warnings[0].Message, Does.Contain("'sumary'").And.Contain("Did you mean 'summary'?"));
    }

    [Test]
    public void Known_fields_custom_fields_and_documented_roots_give_no_warning()
    {
        var rule = Rule(
            [Http("a", new JsonObject { ["k"] = "{{ issue.key }} {{ issue.fields.customfield_10016 }} {{ changelog.items[0].toString }} {{ event.type }} {{ comment.bodyText }} {{ user.accountId }}" }),
             Http("b", new JsonObject { ["prev"] = "{{ steps.a.status }}" })],
            new ConditionNode { All = [new ConditionNode { Field = "issue.fields.labels", Op = "contains", Value = "x" }] },
            fieldChanged: "Story Points");
        Assert.That(Analyze(rule), Is.Empty);
    }

    [Test]
    public void A_trigger_on_a_field_Jira_does_not_have_is_named_at_the_trigger()
    {
        var warnings = Analyze(Rule([Http("a")], fieldChanged: "stauts"));
        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EqualTo(new[] { ("trigger.fieldChanged.field", RuleWarningCodes.UnknownField) }));
        Assert.That(warnings[0].Message, Does.Contain("'stauts'").And.Contain("Did you mean 'status'?"));
    }

    [Test]
    public void Condition_fields_are_checked_and_steps_are_never_run_before_conditions()
    {
        var rule = Rule(
            [Http("a")],
            new ConditionNode
            {
                Any =
                [
                    new ConditionNode { Field = "issue.fields.sumary", Op = "isEmpty" },
                    new ConditionNode { Field = "steps.a.status", Op = "equals", Value = 200 },
                    new ConditionNode { Field = "stauts", Op = "changed" },
                ],
            });
        var warnings = Analyze(rule);
        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EquivalentTo(new[]
        {
            ("conditions.any[0].field", RuleWarningCodes.UnknownField),
            ("conditions.any[1].field", RuleWarningCodes.StepNotYetRun),
            ("conditions.any[2].field", RuleWarningCodes.UnknownField),
        }));
    }

    [Test]
    public void A_later_step_the_step_itself_and_an_unknown_step_are_each_named()
    {
        var rule = Rule(
        [
            Http("first", new JsonObject { ["later"] = "{{ steps.second.body.id }}", ["self"] = "{{ steps.first.status }}" }),
            Http("second", new JsonObject { ["typo"] = "{{ steps.frist.status }}", ["ok"] = "{{ steps.first.body }}" }),
        ]);
        var warnings = Analyze(rule);
        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EquivalentTo(new[]
        {
            ("steps[0].body.later", RuleWarningCodes.StepNotYetRun),
            ("steps[0].body.self", RuleWarningCodes.StepNotYetRun),
            ("steps[1].body.typo", RuleWarningCodes.UnknownStep),
        }));
        Assert.That(warnings.Single(w => w.Code == RuleWarningCodes.UnknownStep).Message, Does.Contain("Did you mean 'first'?"));
    }

    [Test]
    public void Every_templated_property_of_every_kind_is_read_not_only_http_bodies()
    {
        var rule = Rule(
        [
            new JiraCommentStepDefinition { Id = "c", Body = "{{ isue.key }}", Issue = "{{ issue.fields.parnet.key }}" },
            new JiraEditStepDefinition { Id = "e", Fields = new JsonObject { ["labels"] = new JsonArray("{{ steps.ai.text }}") } },
            new AiChatStepDefinition { Id = "ai", Connection = "conn_1", Model = "{{ not.a.template.field }}", Prompt = "{{ issue.summry }} {{ issue.summary }} {{ issue.Story Points }} {{ triggerIssue.url }} {{ now }} {{ changelog.status.toString }}" },
        ]);
        var warnings = Analyze(rule);
        Assert.That(warnings.Select(w => w.Path), Is.EquivalentTo(new[] { "steps[0].body", "steps[0].issue", "steps[1].fields.labels[0]", "steps[2].prompt" }));
        Assert.That(warnings.Single(w => w.Path == "steps[2].prompt").Message, Does.Contain("'summary'"), "suggests the field; the Jira Automation short paths beside it read something and give no warning");
    }

    [Test]
    public void Without_Jira_field_list_fields_are_not_checked_and_one_warning_says_so()
    {
        var warnings = Analyze(Rule([Http("a", path: "/{{ issue.fields.sumary }}/{{ isue.key }}")], fieldChanged: "stauts"), jiraAnswered: false);
        Assert.That(warnings.Select(w => w.Code), Is.EquivalentTo(new[] { RuleWarningCodes.FieldsNotChecked, RuleWarningCodes.UnknownScopeRoot }));
        Assert.That(warnings.Single(w => w.Code == RuleWarningCodes.FieldsNotChecked).Message, Does.Contain("not checked"));
    }

    [Test]
    public void Literal_text_and_template_syntax_errors_give_no_warning()
    {
        Assert.That(Analyze(Rule([Http("a", new JsonObject { ["plain"] = "isue.fields.summary", ["n"] = 3, ["bad"] = "{{ issue.key | nosuchfilter }}" })])), Is.Empty,
            "plain text reads nothing, and syntax errors are the validator's to report");
    }

    [Test]
    public void Steps_are_enumerated_in_execution_order_with_their_paths()
    {
        var visits = StepOrder.InExecutionOrder([Http("a"), Http("b")]).ToList();
        Assert.That(visits.Select(v => (v.Step.Id, v.Path)), Is.EqualTo(new[] { ((string?)"a", "steps[0]"), ("b", "steps[1]") }));
    }

    [Test]
    public void Nested_steps_are_checked_at_their_paths_and_a_loop_s_steps_may_read_item_and_index()
    {
        var loop = new ForEachStepDefinition
        {
            Id = "each", Items = "steps.a.body.list",
            Steps = [Http("inner", new JsonObject { ["k"] = "{{ item.key }} {{ index }} {{ isue.key }}" })],
        };
        var branch = new IfStepDefinition
        {
            Id = "check", If = new ConditionNode { Field = "steps.later.status", Op = "equals", Value = 200 },
            Then = [Http("yes", new JsonObject { ["k"] = "{{ item.key }}" })],
            Else = [Http("no", path: "/t/{{ issue.fields.sumary }}")],
        };
        var warnings = Analyze(Rule([Http("a"), loop, branch, Http("later")]));

        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EquivalentTo(new[]
        {
            ("steps[1].steps[0].body.k", RuleWarningCodes.UnknownScopeRoot), // isue: item and index are the loop's own
            ("steps[2].if.field", RuleWarningCodes.StepNotYetRun),           // the block's condition reads a later step
            ("steps[2].then[0].body.k", RuleWarningCodes.UnknownScopeRoot),  // item outside a loop reads nothing
            ("steps[2].else[0].path", RuleWarningCodes.UnknownField),
        }));
    }

    [Test]
    public void Steps_inside_if_branches_and_for_each_bodies_are_visited_after_their_block_with_their_paths()
    {
        var check = new IfStepDefinition { Id = "check", If = new ConditionNode { Field = "issue.key", Op = "isNotEmpty" }, Then = [Http("yes")], Else = [Http("no")] };
        var each = new ForEachStepDefinition { Id = "each", Items = "steps.check.issues", Steps = [Http("inner")] };
        var visits = StepOrder.InExecutionOrder([check, each, Http("last")]).ToList();
        Assert.That(visits.Select(v => (v.Step.Id, v.Path)), Is.EqualTo(new[]
        {
            ((string?)"check", "steps[0]"), ("yes", "steps[0].then[0]"), ("no", "steps[0].else[0]"), ("each", "steps[1]"), ("inner", "steps[1].steps[0]"), ("last", "steps[2]"),
        }));
        Assert.That(visits.Single(v => v.Step.Id == "inner").BlockRoots, Is.EqualTo(new[] { "item", "index" }));
        Assert.That(visits.Single(v => v.Step.Id == "last").BlockRoots, Is.Empty);
    }

    [Test]
    public void A_step_inside_an_if_is_known_to_later_steps_and_item_is_known_only_inside_a_for_each()
    {
        var rule = Rule(
            [new IfStepDefinition { Id = "check", If = new ConditionNode { Field = "issue.key", Op = "isNotEmpty" }, Then = [Http("follow")] },
             new ForEachStepDefinition { Id = "each", Items = "steps.check.issues", Steps = [Http("note", new JsonObject { ["k"] = "{{ item.key }} {{ index }}" })] },
             Http("summary", new JsonObject { ["followUp"] = "{{ steps.follow.status }}", ["outside"] = "{{ item.key }}" })]);
        var warnings = Analyze(rule);
        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EqualTo(new[] { ("steps[2].body.outside", RuleWarningCodes.UnknownScopeRoot) }));
    }
}
