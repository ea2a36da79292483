using Microsoft.Extensions.Options;

namespace BluBees.Engine.Templates;

/// <summary>Creates the <see cref="RunBudget"/> of each run from the validated <see cref="TemplateBudgetOptions"/> and the injected clock.</summary>
public sealed class TemplateBudgets(IOptions<TemplateBudgetOptions> options, TimeProvider time)
{
    /// <summary>A run's budget; with <paramref name="message"/>, each charge also counts against that message's budget.</summary>
    public RunBudget NewRun(RunBudget? message = null)
    {
        var o = options.Value;
        return new RunBudget(o.MaxRunUnits, TimeSpan.FromMilliseconds(o.MaxRunRenderMilliseconds), time, message);
    }

    /// <summary>
    /// The budget one queued message's runs share (<see cref="TemplateBudgetOptions.MaxMessageUnits"/>): a message runs
    /// every rule it fires, each with a budget of its own, so one event reaching a tenant's 500 rules could hold a worker
    /// (and a core) for 500 runs' render time.
    /// </summary>
    public RunBudget NewMessage()
    {
        var o = options.Value;
        // Never less than one run's budget: an operator who raised the run budget did not mean to cap a lone rule lower.
        return new RunBudget(
            Math.Max(o.MaxMessageUnits, o.MaxRunUnits),
            TimeSpan.FromMilliseconds(Math.Max(o.MaxMessageRenderMilliseconds, o.MaxRunRenderMilliseconds)),
            time,
            scope: "message's");
    }
}
