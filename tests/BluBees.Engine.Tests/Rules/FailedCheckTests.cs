using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// "Why didn't my rule run?": each stage that can stop an event names the part of the rule that failed — its path and
/// operator — and agrees with the plain evaluation. The sample event is PRJ-12, a Bug, status To Do → In Progress.
/// </summary>
public sealed class FailedCheckTests
{
    private static CompiledTrigger Trigger(string json)
    {
        var errors = new ValidationErrors();
        var trigger = TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>(json), errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        return trigger!;
    }

    private const string Updated = "\"type\": \"event\", \"events\": [\"avi:jira:updated:issue\"]";

    [TestCase("""{ "projects": ["OPS"] }""", TriggerCheck.Project, "trigger.projects", "in")]
    [TestCase("""{ "projects": ["PRJ"], "issueTypes": ["Story"] }""", TriggerCheck.IssueType, "trigger.issueTypes", "in")]
    [TestCase("""{ "projects": ["PRJ"], "fieldChanged": { "field": "status", "to": "Done" } }""", TriggerCheck.FieldChanged, "trigger.fieldChanged", "changed")]
    [TestCase("""{ "fieldChanged": { "field": "assignee" } }""", TriggerCheck.FieldChanged, "trigger.fieldChanged", "changed")]
    public void A_trigger_filter_that_fails_is_named_by_path_and_operator(string filters, TriggerCheck expected, string path, string op)
    {
        var trigger = Trigger("{" + Updated + "," + filters.Trim()[1..]);

        var check = trigger.Check(RunSource.Event, SampleEvents.Event());

        Assert.That(check, Is.EqualTo(expected));
        Assert.That(check.Reached(), Is.True);
        Assert.That(check.Failed(), Is.EqualTo(new FailedCheck(path, op)));
        Assert.That(trigger.Matches(RunSource.Event, SampleEvents.Event(), out _), Is.False);
    }

    [Test]
    public void A_trigger_that_fires_reports_nothing()
    {
        var check = Trigger("{" + Updated + """, "projects": ["PRJ"], "issueTypes": ["Bug"], "fieldChanged": { "field": "status", "from": "To Do" } }""")
            .Check(RunSource.Event, SampleEvents.Event());

        Assert.That(check, Is.EqualTo(TriggerCheck.Fires));
        Assert.That(check.Failed(), Is.Null);
    }

    [Test]
    public void An_event_the_trigger_does_not_listen_to_never_reached_the_rule()
    {
        var created = Trigger("""{ "type": "event", "events": ["avi:jira:created:issue"], "projects": ["OPS"] }""").Check(RunSource.Event, SampleEvents.Event());
        var schedule = Trigger("""{ "type": "schedule", "schedule": { "everyHours": 1 } }""").Check(RunSource.Event, SampleEvents.Event());

        Assert.That((created, created.Reached(), created.Failed()), Is.EqualTo((TriggerCheck.OtherEvent, false, (FailedCheck?)null)));
        Assert.That((schedule, schedule.Reached(), schedule.Failed()), Is.EqualTo((TriggerCheck.OtherSource, false, (FailedCheck?)null)));
    }

    [TestCase("""{ "field": "issue.fields.priority.name", "op": "equals", "value": "Low" }""", "conditions", "equals")]
    [TestCase("""{ "all": [ { "field": "issue.fields.priority.name", "op": "equals", "value": "High" }, { "field": "issue.fields.labels", "op": "contains", "value": "db" } ] }""", "conditions.all[1]", "contains")]
    [TestCase("""{ "all": [ { "field": "issue.key", "op": "startsWith", "value": "OPS-" }, { "field": "issue.key", "op": "isEmpty" } ] }""", "conditions.all[0]", "startsWith")]
    [TestCase("""{ "any": [ { "field": "issue.fields.priority.name", "op": "in", "value": ["Low"] }, { "field": "issue.fields.num", "op": "greaterThan", "value": 100 } ] }""", "conditions", "any")]
    [TestCase("""{ "all": [ { "field": "issue.key", "op": "isNotEmpty" }, { "all": [ { "field": "issue.fields.num", "op": "lessThan", "value": 10 } ] } ] }""", "conditions.all[1].all[0]", "lessThan")]
    [TestCase("""{ "all": [ { "field": "issue.key", "op": "isNotEmpty" }, { "any": [ { "field": "issue.fields.summary", "op": "matches", "value": "^Crash" }, { "field": "issue.fields.priority.name", "op": "notEquals", "value": "High" } ] } ] }""", "conditions.all[1]", "any")]
    [TestCase("""{ "all": [ { "field": "status", "op": "changed", "to": "Done" } ] }""", "conditions.all[0]", "changed")]
    public void The_first_condition_that_fails_is_named_by_path_and_operator(string json, string path, string op)
    {
        var condition = ConditionKit.Compile(json);

        var passed = condition.Evaluate(SampleEvents.Scope(), out var failed);

        Assert.That(passed, Is.False);
        Assert.That(failed, Is.EqualTo(new FailedCheck(path, op)));
        Assert.That(condition.Evaluate(SampleEvents.Scope(), trace: null), Is.False, "the same answer as the plain evaluation");
    }

    [TestCase("""{ "field": "issue.fields.priority.name", "op": "equals", "value": "High" }""")]
    [TestCase("""{ "any": [ { "field": "issue.fields.priority.name", "op": "equals", "value": "Low" }, { "field": "issue.fields.labels", "op": "contains", "value": "ui" } ] }""")]
    [TestCase("""{ "all": [ { "field": "status", "op": "changed", "from": "To Do" }, { "field": "issue.fields.num", "op": "greaterThan", "value": 41 } ] }""")]
    public void Conditions_that_pass_report_nothing(string json)
    {
        Assert.That(ConditionKit.Compile(json).Evaluate(SampleEvents.Scope(), out var failed), Is.True);
        Assert.That(failed, Is.Null);
    }

    [Test]
    public void Naming_the_failure_allocates_nothing_beyond_the_plain_evaluation()
    {
        var scope = SampleEvents.Scope();
        var passing = ConditionKit.Compile("""{ "all": [ { "field": "issue.fields.priority.name", "op": "equals", "value": "High" }, { "field": "issue.key", "op": "isNotEmpty" } ] }""");
        var failing = ConditionKit.Compile("""{ "all": [ { "field": "issue.key", "op": "isNotEmpty" }, { "field": "issue.fields.priority.name", "op": "in", "value": ["Low"] } ] }""");
        var trigger = Trigger("{" + Updated + """, "projects": ["OPS"] }""");
        var evt = SampleEvents.Event();

        foreach (var condition in new[] { passing, failing })
        {
            var plain = Allocated(() => condition.Evaluate(scope, trace: null));
            var named = Allocated(() => condition.Evaluate(scope, out _));
            Assert.That(named, Is.LessThanOrEqualTo(plain));
        }

        // Reading the event (its project key) allocates either way; naming the failed filter adds nothing.
        Assert.That(Allocated(() => trigger.Check(RunSource.Event, evt) != TriggerCheck.Fires), Is.LessThanOrEqualTo(Allocated(() => trigger.Matches(RunSource.Event, evt, out _))));
        var check = trigger.Check(RunSource.Event, evt);
        Assert.That(Allocated(() => check.Failed() is not null), Is.Zero);
    }

    /// <summary>Bytes allocated by 100 calls on this thread, after a warm-up (so the JIT's own allocations are not counted).</summary>
    private static long Allocated(Func<bool> call)
    {
        for (var i = 0; i < 10; i++)
        {
            call();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            call();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void A_failure_names_no_value_of_the_rule_or_the_event()
    {
        var condition = ConditionKit.Compile("""{ "all": [ { "field": "issue.fields.summary", "op": "contains", "value": "CANARY-RULE-VALUE" } ] }""");
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["summary"] = JsonValue.Create("CANARY-EVENT-VALUE");

        condition.Evaluate(scope, out var failed);

        Assert.That(failed!.ToString(), Does.Not.Contain("CANARY").And.Not.Contain("summary"));
    }
}
