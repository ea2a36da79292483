using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Templates;

/// <summary>
/// Configuration section <c>TemplateBudget</c>: the per-run <see cref="RunBudget"/> shared by every render and
/// condition of one run (a render alone is also bounded by <see cref="TemplateLimits"/>).
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
}

/// <summary>Source-generated validation of <see cref="TemplateBudgetOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class TemplateBudgetOptionsValidator : IValidateOptions<TemplateBudgetOptions>;
