using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Admin;

/// <summary>Configuration section <c>DryRun</c>: how many dry runs one tenant may have in flight at once.</summary>
internal sealed class DryRunOptions
{
    public const string Section = "DryRun";

    /// <summary>
    /// Dry runs of one tenant answered at once (saved and unsaved rules together); one more is refused with 429 and
    /// <c>Retry-After</c>. A dry run renders in the request (up to <c>TemplateBudget:MaxRunRenderMilliseconds</c>, 5 s,
    /// of CPU), so without a bound one tenant's concurrent dry runs took the CPU every other tenant's requests and runs
    /// share. Default 2.
    /// </summary>
    [Range(1, 64)]
    public int PerTenantConcurrency { get; set; } = 2;
}

/// <summary>Source-generated validation of <see cref="DryRunOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class DryRunOptionsValidator : IValidateOptions<DryRunOptions>;
