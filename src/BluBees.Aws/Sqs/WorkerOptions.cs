using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Sqs;

/// <summary>
/// Configuration section <c>Worker</c>. <see cref="Enabled"/> (template.yaml: <c>Worker__Enabled=true</c> on the worker
/// function only) is the older spelling of <c>Worker:Mode=SqsRoute</c>; which consumer runs is decided once by
/// <see cref="Composition.ProviderChoices"/>.
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    public bool Enabled { get; set; }

    /// <summary>Largest SQS batch event accepted (Lambda's synchronous payload limit is 6 MB).</summary>
    [Range(64 * 1024, 16 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 7 * 1024 * 1024;
}

/// <summary>Source-generated validation of <see cref="WorkerOptions"/>, run at start.</summary>
[OptionsValidator]
internal sealed partial class WorkerOptionsValidator : IValidateOptions<WorkerOptions>;
