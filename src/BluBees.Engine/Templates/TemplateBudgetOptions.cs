using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Templates;

/// <summary>
/// Configuration section <c>TemplateBudget</c>: the per-run <see cref="RunBudget"/> shared by every render and
/// condition of one run (a render alone is also bounded by <see cref="TemplateLimits"/>), and the per-message budget
/// that every run of one queued message charges as well.
/// </summary>
public sealed class TemplateBudgetOptions
{
    public const string Section = "TemplateBudget";

    /// <summary>Work units per run (see <see cref="RunBudget"/>); the default is 25 renders at their full step limit.</summary>
    [Range(1_000, 100_000_000)]
    public long MaxRunUnits { get; set; } = 500_000;

    /// <summary>Milliseconds per run spent inside rendering and condition evaluation.</summary>
    [Range(10, 600_000)]
    public int MaxRunRenderMilliseconds { get; set; } = 5_000;

    /// <summary>
    /// Work units per queued message (an event, webhook delivery, schedule occurrence or manual run), summed over every
    /// rule it runs: each rule's run has its own <see cref="MaxRunUnits"/>, and a message runs every rule it fires, up
    /// to 500, so without this one event could cost 500 runs' budgets. The default is four runs at their full budget.
    /// </summary>
    [Range(1_000, 1_000_000_000)]
    public long MaxMessageUnits { get; set; } = 2_000_000;

    /// <summary>Milliseconds per queued message spent inside rendering and condition evaluation, every rule together.</summary>
    [Range(10, 3_600_000)]
    public int MaxMessageRenderMilliseconds { get; set; } = 20_000;
}

/// <summary>Source-generated validation of <see cref="TemplateBudgetOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class TemplateBudgetOptionsValidator : IValidateOptions<TemplateBudgetOptions>;
