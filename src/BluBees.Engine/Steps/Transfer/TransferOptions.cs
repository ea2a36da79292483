using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// Configuration section <c>Transfer</c>: size caps of streaming transfer steps. A step's own <c>maxBytes</c>
/// applies when it is lower than <see cref="MaxBytes"/>; without one, <see cref="DefaultMaxBytes"/> applies.
/// </summary>
internal sealed class TransferOptions : IValidatableObject
{
    public const string Section = "Transfer";

    /// <summary>The operator's ceiling on one transfer, whatever a rule asks for. Default 2 GiB.</summary>
    [Range(1L, TransferLimits.HardMaxBytes)]
    public long MaxBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>The cap of a transfer step that sets no <c>maxBytes</c>. Default 100 MiB.</summary>
    [Range(1L, TransferLimits.HardMaxBytes)]
    public long DefaultMaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The effective cap of a step: its own (or the default), never above the ceiling.</summary>
    public long CapFor(long? stepMaxBytes) => Math.Min(stepMaxBytes ?? DefaultMaxBytes, MaxBytes);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultMaxBytes > MaxBytes)
        {
            yield return new ValidationResult("Transfer:DefaultMaxBytes must not exceed Transfer:MaxBytes.", [nameof(DefaultMaxBytes)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="TransferOptions"/> (attributes and <see cref="TransferOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class TransferOptionsValidator : IValidateOptions<TransferOptions>;
