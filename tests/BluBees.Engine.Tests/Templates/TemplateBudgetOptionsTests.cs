using BluBees.Engine.Hosting;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Templates;

/// <summary>The per-run budget comes from validated <c>TemplateBudget</c> options registered by the engine.</summary>
public sealed class TemplateBudgetOptionsTests
{
    private static ServiceProvider Engine(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddBluBeesEngine(configuration).BuildServiceProvider();
    }

    [Test]
    public void TheDefaultsBoundEveryRun()
    {
        using var services = Engine([]);
        var budget = services.GetRequiredService<TemplateBudgets>().NewRun();
        Assert.That(budget.MaxUnits, Is.EqualTo(500_000));
        Assert.That(budget.MaxTime, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(services.GetRequiredService<TemplateBudgets>().NewRun(), Is.Not.SameAs(budget), "one budget per run");
    }

    [Test]
    public void ConfiguredValuesAreUsed()
    {
        using var services = Engine(new() { ["TemplateBudget:MaxRunUnits"] = "2000", ["TemplateBudget:MaxRunRenderMilliseconds"] = "250" });
        var budget = services.GetRequiredService<TemplateBudgets>().NewRun();
        Assert.That(budget.MaxUnits, Is.EqualTo(2000));
        Assert.That(budget.MaxTime, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
    }

    [TestCase("MaxRunUnits", "0")]
    [TestCase("MaxRunUnits", "-5")]
    [TestCase("MaxRunUnits", "999")]
    [TestCase("MaxRunUnits", "100000001")]
    [TestCase("MaxRunRenderMilliseconds", "0")]
    [TestCase("MaxRunRenderMilliseconds", "600001")]
    [TestCase("MaxMessageUnits", "999")]
    [TestCase("MaxMessageUnits", "1000000001")]
    [TestCase("MaxMessageRenderMilliseconds", "9")]
    [TestCase("MaxMessageRenderMilliseconds", "3600001")]
    public void OutOfRangeValuesAreRejectedNamingTheOption(string option, string value)
    {
        using var services = Engine(new() { [$"TemplateBudget:{option}"] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => _ = services.GetRequiredService<IOptions<TemplateBudgetOptions>>().Value);
        Assert.That(ex!.Message, Does.Contain(option));
    }

    [Test]
    public void TheMessageBudgetIsConfiguredAndNeverBelowOneRunsBudget()
    {
        using (var services = Engine(new() { ["TemplateBudget:MaxMessageUnits"] = "3000000", ["TemplateBudget:MaxMessageRenderMilliseconds"] = "30000" }))
        {
            var message = services.GetRequiredService<TemplateBudgets>().NewMessage();
            Assert.That(message.MaxUnits, Is.EqualTo(3_000_000));
            Assert.That(message.MaxTime, Is.EqualTo(TimeSpan.FromSeconds(30)));
        }

        using (var services = Engine(new() { ["TemplateBudget:MaxRunUnits"] = "5000000", ["TemplateBudget:MaxRunRenderMilliseconds"] = "60000" }))
        {
            var message = services.GetRequiredService<TemplateBudgets>().NewMessage();
            Assert.That(message.MaxUnits, Is.EqualTo(5_000_000), "a raised run budget is not cut by the default message budget");
            Assert.That(message.MaxTime, Is.EqualTo(TimeSpan.FromSeconds(60)));
        }
    }

    [Test]
    public void TheBudgetUsesTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        var budgets = new TemplateBudgets(Options.Create(new TemplateBudgetOptions { MaxRunRenderMilliseconds = 10 }), clock);
        var budget = budgets.NewRun();
        var since = budget.Begin();
        clock.Advance(TimeSpan.FromMilliseconds(11));
        Assert.That(budget.TryCharge(1, since), Is.False);
        Assert.That(budget.Refusals, Is.EqualTo(1));
    }

    [Test]
    public void ARunBudgetRefusesNonsenseBounds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RunBudget(0, TimeSpan.FromSeconds(1), TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RunBudget(10, TimeSpan.Zero, TimeProvider.System));
    }
}
