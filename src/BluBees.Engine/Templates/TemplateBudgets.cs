using Microsoft.Extensions.Options;

namespace BluBees.Engine.Templates;

/// <summary>Creates the <see cref="RunBudget"/> of each run from the validated <see cref="TemplateBudgetOptions"/> and the injected clock.</summary>
public sealed class TemplateBudgets(IOptions<TemplateBudgetOptions> options, TimeProvider time)
{
    public RunBudget NewRun()
    {
        var o = options.Value;
        return new RunBudget(o.MaxRunUnits, TimeSpan.FromMilliseconds(o.MaxRunRenderMilliseconds), time);
    }
}
