using BluBees.Engine.Conditions;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

public sealed class ConditionGroupTests
{
    private const string High = """{ "field": "issue.fields.priority.name", "op": "equals", "value": "High" }""";
    private const string Low = """{ "field": "issue.fields.priority.name", "op": "equals", "value": "Low" }""";
    private const string Bug = """{ "field": "issue.fields.issuetype.name", "op": "equals", "value": "Bug" }""";

    [TestCase("all", new[] { true, true, true }, true)]
    [TestCase("all", new[] { true, false, true }, false)]
    [TestCase("all", new[] { false, false }, false)]
    [TestCase("any", new[] { false, false, true }, true)]
    [TestCase("any", new[] { false, false }, false)]
    [TestCase("any", new[] { true, true }, true)]
    public void AllIsAndAnyIsOr(string kind, bool[] children, bool expected)
    {
        var items = string.Join(", ", children.Select(c => c ? High : Low));
        Assert.That(Compile($$"""{ "{{kind}}": [ {{items}} ] }""").Evaluate(SampleEvents.Scope(), null), Is.EqualTo(expected));
    }

    [Test]
    public void GroupsNest()
    {
        // any( all(High, Low), all(Bug, any(Low, High)) ) = any(false, all(true, true)) = true
        var json = $$"""{ "any": [ { "all": [ {{High}}, {{Low}} ] }, { "all": [ {{Bug}}, { "any": [ {{Low}}, {{High}} ] } ] } ] }""";
        var swapped = $$"""{ "any": [ { "all": [ {{High}}, {{Low}} ] }, { "all": [ {{Bug}}, { "any": [ {{Low}}, {{Low}} ] } ] } ] }""";

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Compile(json).Evaluate(SampleEvents.Scope(), null), Is.True);
            Assert.That(Compile(swapped).Evaluate(SampleEvents.Scope(), null), Is.False);
        }
    }

    [Test]
    public void EmptyGroupsAreRefusedBecauseAnEmptyAnyCouldNeverFire()
    {
        foreach (var (json, path) in new[] { ("""{ "all": [] }""", "conditions.all"), ("""{ "any": [] }""", "conditions.any") })
        {
            var errors = new BluBees.Engine.Validation.ValidationErrors();
            var node = System.Text.Json.JsonSerializer.Deserialize<BluBees.Engine.Conditions.ConditionNode>(json, BluBees.Engine.Json.JsonDefaults.Options);
            Assert.That(BluBees.Engine.Conditions.ConditionCompiler.Compile(node, "conditions", errors), Is.Null, json);
            Assert.That(errors.ToDictionary()[path], Is.EqualTo(new[] { "a group needs at least one condition" }), json);
        }
    }

    [Test]
    public void AllStopsAtTheFirstFailureWhenNotTracing()
    {
        var first = new SpyCondition("a", true);
        var failing = new SpyCondition("b", false);
        var last = new SpyCondition("c", true);
        var group = new GroupCondition("g", requireAll: true, [first, failing, last]);

        var passed = group.Evaluate(SampleEvents.Scope(), trace: null);

        Assert.That(passed, Is.False);
        Assert.That((first.Calls, failing.Calls, last.Calls), Is.EqualTo((1, 1, 0)));
    }

    [Test]
    public void AnyStopsAtTheFirstSuccessWhenNotTracing()
    {
        var failing = new SpyCondition("a", false);
        var passing = new SpyCondition("b", true);
        var last = new SpyCondition("c", false);
        var group = new GroupCondition("g", requireAll: false, [failing, passing, last]);

        var passed = group.Evaluate(SampleEvents.Scope(), trace: null);

        Assert.That(passed, Is.True);
        Assert.That((failing.Calls, passing.Calls, last.Calls), Is.EqualTo((1, 1, 0)));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TracingEvaluatesEveryChildButKeepsTheResult(bool requireAll)
    {
        var children = new[] { new SpyCondition("a", !requireAll), new SpyCondition("b", requireAll), new SpyCondition("c", !requireAll) };
        var group = new GroupCondition("g", requireAll, children);
        var trace = new List<ConditionOutcome>();

        var passed = group.Evaluate(SampleEvents.Scope(), trace);

        Assert.That(passed, Is.EqualTo(!requireAll), "all(F,T,F) is false; any(T,F,T) is true");
        Assert.That(children.Select(c => c.Calls), Is.All.EqualTo(1));
        Assert.That(trace.Select(t => t.Path), Is.EqualTo(new[] { "a", "b", "c", "g" }));
    }

    [Test]
    public void DryRunTraceListsEveryConditionInEvaluationOrderWithItsRuleText()
    {
        var condition = Compile($$"""
            { "all": [
                {{High}},
                { "any": [ {{Low}}, { "field": "issue.fields.labels", "op": "contains", "value": "ui" } ] },
                { "field": "issue.fields.summary", "op": "isNotEmpty" },
                { "field": "status", "op": "changed", "to": "Done" }
            ] }
            """);
        var trace = new List<ConditionOutcome>();

        var passed = condition.Evaluate(SampleEvents.Scope(), trace);

        Assert.That(passed, Is.False);
        Assert.That(trace, Is.EqualTo(new[]
        {
            new ConditionOutcome("conditions.all[0]", "issue.fields.priority.name equals \"High\"", true),
            new ConditionOutcome("conditions.all[1].any[0]", "issue.fields.priority.name equals \"Low\"", false),
            new ConditionOutcome("conditions.all[1].any[1]", "issue.fields.labels contains \"ui\"", true),
            new ConditionOutcome("conditions.all[1]", "any of 2", true),
            new ConditionOutcome("conditions.all[2]", "issue.fields.summary isNotEmpty", true),
            new ConditionOutcome("conditions.all[3]", "status changed to 'Done'", false),
            new ConditionOutcome("conditions", "all of 4", false),
        }));
    }

    [Test]
    public void TraceNeverQuotesValuesFromTheEvent()
    {
        var condition = Compile("""{ "all": [ { "field": "issue.fields.summary", "op": "isNotEmpty" }, { "field": "issue.fields.summary", "op": "matches", "value": "^Login" } ] }""");
        var trace = new List<ConditionOutcome>();

        condition.Evaluate(SampleEvents.Scope(), trace);

        Assert.That(trace, Has.Count.EqualTo(3));
        Assert.That(trace.Select(t => t.Description), Has.None.Contains("Safari").And.None.Contains("Login fails"));
    }

    [Test]
    public void ACompiledConditionIsSafeToEvaluateConcurrently()
    {
        var condition = Compile($$"""{ "all": [ {{High}}, { "field": "issue.fields.summary", "op": "matches", "value": "Safari$" } ] }""");
        var matching = SampleEvents.Scope();
        var other = SampleEvents.Scope(SampleEvents.IssueUpdated.Replace("\"High\"", "\"Low\"", StringComparison.Ordinal));
        Assert.That((condition.Evaluate(matching, null), condition.Evaluate(other, null)), Is.EqualTo((true, false)), "sequential baseline");

        var results = Enumerable.Range(0, 2000).AsParallel().Select(i => (i, condition.Evaluate(i % 2 == 0 ? matching : other, null))).ToList();

        Assert.That(results.Where(r => r.Item2 != (r.i % 2 == 0)), Is.Empty);
    }
}
