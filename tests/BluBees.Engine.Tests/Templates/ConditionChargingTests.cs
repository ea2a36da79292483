using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Runs;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Templates;

/// <summary>
/// Rule conditions charge the run's <see cref="RunBudget"/> by the length they read, scan or match; a used-up
/// budget fails the evaluation with <c>template_budget_exceeded</c> and a message that quotes no data.
/// </summary>
[CancelAfter(60_000)]
public sealed class ConditionChargingTests
{
    private const string Canary = "CANARY-91bd";
    private static readonly string Huge = Canary + new string('a', 450_000);
    private const int PerStep = TemplateLimits.ScanCharsPerStep;

    private static JsonObject Scope() => new()
    {
        ["issue"] = new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["description"] = Huge,
                ["labels"] = new JsonArray(Huge, Huge, "x"),
                ["small"] = "hello",
            },
        },
        ["changelog"] = new JsonObject
        {
            ["items"] = new JsonArray(Enumerable.Range(0, 3).Select(_ => (JsonNode)new JsonObject
            {
                ["field"] = "description", ["fromString"] = Huge, ["toString"] = Huge,
            }).ToArray()),
        },
    };

    private static ICondition Leaf(string field, string op, string? value) => ConditionKit.Compile(ConditionKit.Leaf(field, op, value));

    [TestCase("issue.fields.description", "contains", "\"needle\"")]
    [TestCase("issue.fields.description", "matches", "\"needle[0-9]+\"")]
    [TestCase("issue.fields.description", "equals", "\"needle\"")]
    [TestCase("issue.fields.description", "notEquals", "\"needle\"")]
    [TestCase("issue.fields.description", "startsWith", "\"needle\"")]
    [TestCase("issue.fields.description", "in", "[\"a\", \"b\"]")]
    [TestCase("issue.fields.description", "isEmpty", null)]
    [TestCase("issue.fields.description", "greaterThan", "5")]
    [TestCase("issue.fields.labels", "contains", "\"needle\"")]
    public void EveryLeafOperatorIsChargedByTheLengthOfItsField(string field, string op, string? value)
    {
        var condition = Leaf(field, op, value);
        var budget = new RunBudget(long.MaxValue / 2, TimeSpan.FromDays(1), TimeProvider.System);
        using (budget.Activate())
        {
            condition.Evaluate(Scope(), null);
        }

        Assert.That(budget.UsedUnits, Is.GreaterThanOrEqualTo(Huge.Length / PerStep));
        Assert.That(budget.UsedTime, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
    }

    [Test]
    public void ChangedIsChargedByTheChangelogItReads()
    {
        var condition = ConditionKit.Compile(new ConditionNode { Field = "description", Op = "changed", To = "nothing like it" });
        var budget = new RunBudget(long.MaxValue / 2, TimeSpan.FromDays(1), TimeProvider.System);
        using (budget.Activate())
        {
            Assert.That(condition.Evaluate(Scope(), null), Is.False);
        }

        Assert.That(budget.UsedUnits, Is.GreaterThanOrEqualTo(3L * Huge.Length / PerStep));
    }

    [Test]
    public void AHundredRegexesOnAHugeFieldFailOnTheRunBudget()
    {
        var leaves = Enumerable.Range(0, 99).Select(i => ConditionKit.Leaf("issue.fields.description", i % 2 == 0 ? "matches" : "contains", i % 2 == 0 ? "\"x[0-9]+y\"" : "\"needle\"")).ToList();
        var condition = ConditionKit.Compile(new ConditionNode { Any = leaves });
        var budget = new RunBudget(5_000, TimeSpan.FromDays(1), TimeProvider.System);
        ConditionEvaluationException? failure;
        using (budget.Activate())
        {
            failure = Assert.Throws<ConditionEvaluationException>(() => condition.Evaluate(Scope(), null));
        }

        Assert.That(failure!.Category, Is.EqualTo(ErrorCategories.TemplateBudgetExceeded));
        Assert.That(failure.Message, Does.StartWith("condition conditions.any[").And.EndWith("the run's template work budget of 5000 units is used up"));
        Assert.That(failure.Message, Does.Not.Contain(Canary));
        // Stopped after about 5000 / 440 leaves, not after all hundred (each leaf charges before it scans).
        Assert.That(budget.UsedUnits, Is.LessThanOrEqualTo(5_000 + (Huge.Length / PerStep) + 2));
    }

    [Test]
    public void ConditionsHaveTheRunsTimeCeiling()
    {
        var condition = Leaf("issue.fields.small", "contains", "\"x\"");
        var budget = new RunBudget(long.MaxValue / 2, TimeSpan.FromMilliseconds(25), new SteppingClock(TimeSpan.FromMilliseconds(10)));
        using (budget.Activate())
        {
            var failures = 0;
            for (var i = 0; i < 5; i++)
            {
                try
                {
                    condition.Evaluate(Scope(), null);
                }
                catch (ConditionEvaluationException ex) when (ex.Category == ErrorCategories.TemplateBudgetExceeded)
                {
                    Assert.That(ex.Message, Does.EndWith("the run's template time budget of 25 ms is used up"));
                    failures++;
                }
            }

            Assert.That(failures, Is.GreaterThan(0));
        }
    }

    [Test]
    public void WithoutARunBudgetConditionsBehaveAsBefore()
    {
        Assert.That(RunBudget.Current, Is.Null);
        Assert.That(Leaf("issue.fields.description", "contains", "\"CANARY\"").Evaluate(Scope(), null), Is.True);
        Assert.That(Leaf("issue.fields.labels", "contains", "\"x\"").Evaluate(Scope(), null), Is.True);
    }

    [Test]
    public void ARegexTimeoutKeepsTheConditionErrorCategory()
    {
        var ex = new ConditionEvaluationException("condition c: the regular expression took longer than its time budget");
        Assert.That(ex.Category, Is.EqualTo(ErrorCategories.ConditionError));
    }
}
