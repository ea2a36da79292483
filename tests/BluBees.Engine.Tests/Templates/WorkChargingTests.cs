using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>
/// Template CPU is charged by work, not by the number of operations: every string operation costs one step per
/// <see cref="TemplateLimits.ScanCharsPerStep"/> characters it scans or produces. The units are counted on a
/// <see cref="RunBudget"/> (never timed), so these tests prove that hostile work ends after a bounded amount.
/// </summary>
[CancelAfter(60_000)]
public sealed class WorkChargingTests
{
    private const int PerStep = TemplateLimits.ScanCharsPerStep;
    private const string Canary = "CANARY-7f3a";

    /// <summary>A 450 KB field as in the reported attack (the canary proves no error message quotes it).</summary>
    private static readonly string Huge = Canary + new string('a', 450_000);

    /// <summary>Below the 64 KB value cap, so filters that build strings run instead of refusing the input.</summary>
    private static readonly string Big = Canary + new string('b', 60_000) + "  ";

    /// <summary>For filters whose result grows (base64) or combines several values (join, json of a list).</summary>
    private static readonly string Mid = Canary + new string('m', 20_000);

    private static JsonObject HugeScope() => new()
    {
        ["big"] = Big,
        ["mid"] = Mid,
        ["huge"] = Huge,
        ["small"] = "tiny value",
        ["list"] = new JsonArray(Mid, Mid + "x", Mid),
        ["objs"] = new JsonArray(new JsonObject { ["k"] = Mid }, new JsonObject { ["k"] = Mid }),
    };

    /// <summary>A budget large enough never to be the limit that ends a single render.</summary>
    private static RunBudget Unlimited() => new(long.MaxValue / 2, TimeSpan.FromDays(1), TimeProvider.System);

    private static (TemplateRenderResult Result, long Units) Measure(string source, JsonObject? scope = null, TemplateLimits? limits = null)
    {
        var budget = Unlimited();
        var result = Compile(source, limits).Render(scope ?? HugeScope(), limits ?? TemplateLimits.Default, budget);
        return (result, budget.UsedUnits);
    }

    private static void AssertStepLimit(TemplateRenderResult result, TemplateLimits? limits = null)
    {
        Assert.That(result.Success, Is.False, "the hostile template must fail");
        Assert.That(result.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(result.Error!.Message, Does.Contain($"template exceeds {(limits ?? TemplateLimits.Default).MaxSteps} evaluation steps"));
        Assert.That(result.Error.ToString(), Does.Not.Contain(Canary).And.Not.Contain("aaaa").And.Not.Contain("bbbb"));
    }

    [Test]
    public void TheReportedAttackFailsOnTheStepLimitAfterBoundedWork()
    {
        // 2,000 iterations of `contains` on a 450 KB field passed every limit before (about 900 MB scanned per render).
        var (result, units) = Measure("{% for i in (1..2000) %}{% if huge contains 'needle' %}hit{% endif %}{% endfor %}done");

        AssertStepLimit(result);
        // Each iteration reads (decodes) and scans the field: at least 2 * 450 KB / 1 KB units, so the render stopped
        // after about 20 iterations. The units charged never pass the limit by more than one operation's worth.
        Assert.That(units, Is.GreaterThan(TemplateLimits.Default.MaxSteps));
        Assert.That(units, Is.LessThanOrEqualTo(TemplateLimits.Default.MaxSteps + (2 * Huge.Length / PerStep) + 64));
    }

    [Test]
    public void OneScanOfAHugeFieldCostsItsLength()
    {
        var (result, units) = Measure("{% if huge contains 'needle' %}hit{% endif %}ok");
        Assert.That(result.Output, Is.EqualTo("ok"));
        Assert.That(units, Is.GreaterThanOrEqualTo(2L * Huge.Length / PerStep), "read + scan");

        var (small, smallUnits) = Measure("{% if small contains 'needle' %}hit{% endif %}ok");
        Assert.That(small.Output, Is.EqualTo("ok"));
        Assert.That(smallUnits, Is.LessThan(16), "small values stay cheap");
    }

    [Test]
    public void ALegitimateRenderOfAHugeFieldStillSucceeds()
    {
        var (result, units) = Measure("{{ huge | size }} {% if huge contains 'CANARY' %}found{% endif %}");
        Assert.That(result.Error, Is.Null);
        Assert.That(result.Output, Is.EqualTo($"{Huge.Length} found"));
        Assert.That(units, Is.LessThan(TemplateLimits.Default.MaxSteps));
    }

    // Every charged family: each costs at least the length of the big input beyond just reading it.
    [TestCase("big | upcase")]
    [TestCase("big | downcase")]
    [TestCase("big | capitalize")]
    [TestCase("big | strip")]
    [TestCase("big | lstrip")]
    [TestCase("big | rstrip")]
    [TestCase("big | append: 'x'")]
    [TestCase("big | prepend: 'x'")]
    [TestCase("big | replace: 'b', 'c'")]
    [TestCase("big | replace_first: 'b', 'c'")]
    [TestCase("big | remove: 'zz'")]
    [TestCase("big | remove_first: 'b'")]
    [TestCase("big | truncate: 50000")]
    [TestCase("big | split: 'zz'")]
    [TestCase("big | slice: 5, 50000")]
    [TestCase("big | size")]
    [TestCase("big | json")]
    [TestCase("big | url_encode")]
    [TestCase("big | escape")]
    [TestCase("mid | base64_encode")]
    [TestCase("big | default: 'x'")]
    [TestCase("big | date: '%Y'")]
    [TestCase("big | plus: 1")]
    [TestCase("small | append: big")]
    [TestCase("small | replace: 'tiny', big")]
    [TestCase("list | join: ','")]
    [TestCase("list | sort")]
    [TestCase("list | sort_natural")]
    [TestCase("list | uniq")]
    [TestCase("objs | where: 'k', mid")]
    [TestCase("objs | map: 'k'")]
    [TestCase("objs | json")]
    public void EveryStringFilterFamilyIsChargedByLength(string expression)
    {
        // The baseline reads the same input without the filter: the difference is the filter's own work.
        var input = expression.Split('|')[0].Trim();
        var (baseline, baseUnits) = Measure($"{{% assign x = big %}}{{% assign y = {input} %}}");
        Assert.That(baseline.Error, Is.Null);

        var (result, units) = Measure($"{{% assign x = big %}}{{% assign y = {expression} %}}");
        Assert.That(result.Error, Is.Null, () => result.Error!.ToString());
        Assert.That(units - baseUnits, Is.GreaterThanOrEqualTo(Mid.Length / PerStep), "the filter's work is charged by the length it handles");
    }

    [TestCase("big | upcase")]
    [TestCase("big | replace: 'b', 'c'")]
    [TestCase("big | split: 'zz' | size")]
    [TestCase("big | slice: 5, 50000")]
    [TestCase("big | truncate: 50000")]
    [TestCase("big | strip")]
    [TestCase("big | size")]
    [TestCase("big | json")]
    [TestCase("small | append: big")]
    public void AStringFilterOnABigFieldInALoopEndsOnTheStepLimit(string expression)
    {
        // Without length charging each iteration costs a handful of steps: 2,000 iterations would pass.
        var (result, units) = Measure($"{{% for i in (1..2000) %}}{{% assign y = {expression} %}}{{% endfor %}}done");
        AssertStepLimit(result);
        Assert.That(units, Is.LessThanOrEqualTo(TemplateLimits.Default.MaxSteps + (4L * Big.Length / PerStep) + 64));
    }

    [TestCase("big == big2")]
    [TestCase("big != big2")]
    [TestCase("big < big2")]
    [TestCase("big >= big2")]
    [TestCase("big contains 'needle'")]
    [TestCase("list contains big2")]
    public void ComparisonsAreChargedByLength(string comparison)
    {
        var scope = HugeScope();
        scope["big2"] = Big; // equal length and content: a full scan
        var (one, units) = Measure($"{{% if {comparison} %}}y{{% endif %}}", scope);
        Assert.That(one.Error, Is.Null);
        Assert.That(units, Is.GreaterThanOrEqualTo(Big.Length / PerStep));

        var (loop, _) = Measure($"{{% for i in (1..2000) %}}{{% if {comparison} %}}y{{% endif %}}{{% endfor %}}", scope);
        AssertStepLimit(loop);
    }

    [Test]
    public void CaseWhenOnAHugeFieldIsCharged()
    {
        var (result, _) = Measure("{% for i in (1..2000) %}{% case huge %}{% when 'x' %}x{% endcase %}{% endfor %}");
        AssertStepLimit(result);
    }

    [Test]
    public void NestedLoopsOverHugeWorkEndOnTheStepLimit()
    {
        var (result, units) = Measure(
            "{% for i in (1..40) %}{% for j in (1..50) %}{% if huge contains 'needle' %}{% endif %}{% endfor %}{% endfor %}");
        AssertStepLimit(result);
        Assert.That(units, Is.LessThanOrEqualTo(TemplateLimits.Default.MaxSteps + (2 * Huge.Length / PerStep) + 64));
    }

    [Test]
    public void ValueModeCopiesOfHugeFieldsAreCharged()
    {
        var budget = Unlimited();
        var result = Compile("{{ huge }}").Evaluate(HugeScope(), TemplateLimits.Default, budget);
        Assert.That(result.Error, Is.Null);
        Assert.That(budget.UsedUnits, Is.GreaterThanOrEqualTo(Huge.Length / PerStep));
    }

    [Test]
    public void ManyStepsShareOneRunBudgetThatEndsTheRun()
    {
        // Twenty steps of the attack: each render is cut at the step limit, and the run's budget stops the rest.
        var budget = new RunBudget(60_000, TimeSpan.FromDays(1), TimeProvider.System);
        var template = Compile("{% for i in (1..2000) %}{% if huge contains 'needle' %}hit{% endif %}{% endfor %}");
        var results = Enumerable.Range(0, 20).Select(_ => template.Render(HugeScope(), TemplateLimits.Default, budget)).ToList();

        Assert.That(results.All(r => r.ErrorKind == TemplateErrorKind.Limit), Is.True);
        Assert.That(results.Count(r => r.Error!.Message.Contains("evaluation steps", StringComparison.Ordinal)), Is.LessThanOrEqualTo(4));
        Assert.That(results[^1].Error!.Message, Is.EqualTo("the run's template work budget of 60000 units is used up"));
        Assert.That(budget.Exhausted, Is.True);
        Assert.That(budget.Refusals, Is.GreaterThanOrEqualTo(16));
        // Later renders fail before doing any work: the total stays within the budget plus one render's overshoot.
        Assert.That(budget.UsedUnits, Is.LessThanOrEqualTo(60_000 + 64 + (2 * Huge.Length / PerStep)));
        Assert.That(results.Select(r => r.Error!.ToString()), Has.None.Contains(Canary));
    }

    [Test]
    public void RunsOfOneMessageShareItsBudgetBesideTheirOwn()
    {
        // A message runs every rule its event fires, each with a run budget of its own: without the message's budget one
        // event reaching 500 rules rendered for 500 run budgets. Each run here stays within its own budget.
        var message = new RunBudget(3_000, TimeSpan.FromDays(1), TimeProvider.System, scope: "message's");
        var template = Compile("{% for i in (1..1000) %}{{ i }}{% endfor %}");
        var results = Enumerable.Range(0, 6)
            .Select(_ => new RunBudget(100_000, TimeSpan.FromDays(1), TimeProvider.System, message))
            .Select(run => (Run: run, Result: template.Render(HugeScope(), TemplateLimits.Default, run)))
            .ToList();

        Assert.That(results[0].Result.Error, Is.Null, "the first run is within both budgets");
        Assert.That(results[^1].Result.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(results[^1].Result.Error!.Message, Is.EqualTo("the message's template work budget of 3000 units is used up"));
        Assert.That(results[^1].Run.Refusals, Is.GreaterThan(0), "counted as the run's budget refusal (template_budget_exceeded)");
        Assert.That(results.Select(r => r.Run.UsedUnits), Has.All.LessThan(100_000), "no run reached its own budget");
        Assert.That(message.Exhausted, Is.True);
    }

    [Test]
    public void AnExhaustedRunBudgetFailsEvenATrivialRender()
    {
        var budget = new RunBudget(1_000, TimeSpan.FromDays(1), TimeProvider.System);
        var first = Compile("{% for i in (1..2000) %}{{ i }}{% endfor %}").Render(HugeScope(), TemplateLimits.Default, budget);
        Assert.That(first.Error!.Message, Is.EqualTo("the run's template work budget of 1000 units is used up"));

        var trivial = Compile("plain {{ small }}").Render(HugeScope(), TemplateLimits.Default, budget);
        Assert.That(trivial.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(trivial.Error!.Message, Is.EqualTo("the run's template work budget of 1000 units is used up"));
        var value = Compile("{{ small }}").Evaluate(HugeScope(), TemplateLimits.Default, budget);
        Assert.That(value.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
    }

    [Test]
    public void ARenderThatFinishesOverTheBudgetIsNotARefusalButTheNextRenderIs()
    {
        // Units are passed to the run in batches: a small render can end past the budget without being refused.
        // It must not count as a refusal (the run would blame the budget for an unrelated failure of that step).
        var budget = new RunBudget(1_000, TimeSpan.FromDays(1), TimeProvider.System);
        using (budget.Activate())
        {
            Assert.That(Compile("{% for i in (1..3) %}{{ i }}{% endfor %}").Render(HugeScope(), TemplateLimits.Default, budget).Output, Is.EqualTo("123"));
        }

        var small = new RunBudget(1_000, TimeSpan.FromDays(1), TimeProvider.System);
        Assert.That(Compile("{{ big | size }}").Render(HugeScope(), TemplateLimits.Default, small).Error, Is.Null, "about 120 units, flushed once at 64");
        var tiny = new RunBudget(1_000, TimeSpan.FromDays(1), TimeProvider.System);
        tiny.Add(990);
        var last = Compile("{% for i in (1..5) %}{{ i }}{% endfor %}").Render(HugeScope(), TemplateLimits.Default, tiny);
        Assert.That(last.Output, Is.EqualTo("12345"), "under 64 units: charged at the end, not refused");
        Assert.That(tiny.Exhausted, Is.True);
        Assert.That(tiny.Refusals, Is.Zero);

        var next = Compile("x").Render(HugeScope(), TemplateLimits.Default, tiny);
        Assert.That(next.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(tiny.Refusals, Is.EqualTo(1));
    }

    [Test]
    public void TheRunBudgetHasAWallClockCeilingOnRendering()
    {
        // A clock that moves 10 ms whenever it is read: deterministic, no real timing.
        var clock = new SteppingClock(TimeSpan.FromMilliseconds(10));
        var budget = new RunBudget(long.MaxValue / 2, TimeSpan.FromMilliseconds(200), clock);
        var slow = Compile("{% for i in (1..2000) %}{{ i }}{% endfor %}").Render(HugeScope(), TemplateLimits.Default, budget);

        Assert.That(slow.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(slow.Error!.Message, Is.EqualTo("the run's template time budget of 200 ms is used up"));
        Assert.That(budget.UsedTime, Is.GreaterThan(TimeSpan.FromMilliseconds(200)));
        var next = Compile("ok").Render(HugeScope(), TemplateLimits.Default, budget);
        Assert.That(next.Error!.Message, Is.EqualTo("the run's template time budget of 200 ms is used up"));
    }

    [Test]
    public void TimeBetweenRendersDoesNotCount()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var budget = new RunBudget(1_000_000, TimeSpan.FromMilliseconds(100), clock);
        for (var i = 0; i < 5; i++)
        {
            Assert.That(Compile("{{ small }}").Render(HugeScope(), TemplateLimits.Default, budget).Output, Is.EqualTo("tiny value"));
            clock.Advance(TimeSpan.FromSeconds(30)); // an HTTP step waiting between renders
        }

        Assert.That(budget.UsedTime, Is.EqualTo(TimeSpan.Zero));
        Assert.That(budget.Exhausted, Is.False);
    }

    [Test]
    public void TheAmbientRunBudgetIsChargedAndRestored()
    {
        var budget = Unlimited();
        Assert.That(RunBudget.Current, Is.Null);
        using (budget.Activate())
        {
            Assert.That(RunBudget.Current, Is.SameAs(budget));
            Assert.That(Compile("{% if huge contains 'x' %}{% endif %}").Render(HugeScope(), TemplateLimits.Default).Error, Is.Null);
        }

        Assert.That(RunBudget.Current, Is.Null);
        Assert.That(budget.UsedUnits, Is.GreaterThanOrEqualTo(2L * Huge.Length / PerStep));
    }

    [Test]
    public async Task ConcurrentRunsHaveSeparateAmbientBudgets()
    {
        var a = new RunBudget(500, TimeSpan.FromDays(1), TimeProvider.System);
        var b = Unlimited();
        var template = Compile("{% if huge contains 'x' %}{% endif %}ok");

        async Task<TemplateRenderResult> Run(RunBudget budget)
        {
            using var _ = budget.Activate();
            await Task.Yield();
            return template.Render(HugeScope(), TemplateLimits.Default);
        }

        var results = await Task.WhenAll(Run(a), Run(b));
        Assert.That(results[0].Error!.Message, Does.Contain("work budget of 500 units"));
        Assert.That(results[1].Output, Is.EqualTo("ok"));
    }
}

/// <summary>A clock that advances by a fixed step every time a timestamp is read.</summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}
