using System.ComponentModel.DataAnnotations;

namespace BluBees.Aws.Sqs;

/// <summary>
/// Configuration section <c>Worker</c>. <see cref="Enabled"/> maps <c>POST /internal/sqs-batch</c>; only the
/// worker function sets it (template.yaml: <c>Worker__Enabled=true</c>).
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    public bool Enabled { get; set; }

    /// <summary>Largest SQS batch event accepted (Lambda's synchronous payload limit is 6 MB).</summary>
    [Range(64 * 1024, 16 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 7 * 1024 * 1024;
}
