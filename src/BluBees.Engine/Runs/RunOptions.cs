using System.ComponentModel.DataAnnotations;

namespace BluBees.Engine.Runs;

/// <summary>Configuration section <c>Runs</c>.</summary>
public sealed class RunOptions
{
    public const string Section = "Runs";

    /// <summary>How long run records are kept; enforced on read and by the store's expiry.</summary>
    [Range(1, 400)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>How many runs the in-process worker executes at once.</summary>
    [Range(1, 64)]
    public int WorkerConcurrency { get; set; } = 4;

    /// <summary>In-process queue capacity; when full, ingress answers 503 and Forge retries.</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Largest step response body kept (in memory) for later steps.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxStepResponseBytes { get; set; } = 1024 * 1024;
}
