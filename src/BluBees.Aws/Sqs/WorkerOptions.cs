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

    /// <summary>
    /// The run queue's <c>maxReceiveCount</c> (template.yaml sets it from the same parameter): a record that fails on
    /// this receive goes to the dead-letter queue next, so it leaves a <c>delivery_exhausted</c> run record first.
    /// </summary>
    [Range(1, 1000)]
    public int MaxReceiveCount { get; set; } = 5;

    /// <summary>
    /// How long a batch's runs may take before they are cancelled (recorded <c>cancelled</c>, returned to the queue):
    /// below the worker function's timeout (template.yaml: 120 s), so that the function answers instead of being
    /// ended mid-run. A run longer than this cannot finish on the SQS worker.
    /// </summary>
    [Range(1, 900)]
    public int RunDeadlineSeconds { get; set; } = 100;

    /// <summary>
    /// How long a receive's claim on a rule's run lasts (RunStore.Claims.cs): a copy of the message received meanwhile
    /// does not run the rule and returns to the queue. Above the worker function's timeout (template.yaml: 120 s), so a
    /// claim outlives any invocation that holds it (the copy then finds its record); below the queue's visibility timeout
    /// (900 s), so a redelivery after a crashed invocation takes the claim over instead of returning to the queue again.
    /// </summary>
    [Range(1, 900)]
    public int ClaimSeconds { get; set; } = 150;
}

/// <summary>Source-generated validation of <see cref="WorkerOptions"/>, run at start.</summary>
[OptionsValidator]
internal sealed partial class WorkerOptionsValidator : IValidateOptions<WorkerOptions>;
