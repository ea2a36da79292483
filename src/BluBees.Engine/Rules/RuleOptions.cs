using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Rules;

/// <summary>Configuration section <c>Rules</c>: how much of each rule's version history is kept.</summary>
public sealed class RuleOptions
{
    public const string Section = "Rules";

    /// <summary>
    /// The newest versions kept per rule, the current one among them (<see cref="RuleVersionRetention"/>): a save that
    /// adds one beyond this deletes the oldest. Bounds what one tenant's saves keep: 500 rules × this × 64 KiB.
    /// </summary>
    [Range(10, 1_000)]
    public int VersionsKept { get; set; } = 100;
}

/// <summary>Source-generated validation of <see cref="RuleOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class RuleOptionsValidator : IValidateOptions<RuleOptions>;
