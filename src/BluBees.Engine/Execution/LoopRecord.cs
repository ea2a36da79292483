namespace BluBees.Engine.Execution;

/// <summary>
/// The metadata of one <c>forEach</c>: counts of items and iterations, and full records only for the first
/// iterations (<c>FlowLimits.FullIterations</c>, within the run's <c>FlowLimits.MaxNestedRecords</c>), so that a
/// run of 1,000 iterations stays a small record. Never an item's value: only positions, statuses and categories.
/// </summary>
public sealed record LoopRecord
{
    /// <summary>Elements of the list at <c>items</c>.</summary>
    public int Items { get; init; }

    public int Limit { get; init; }

    /// <summary>Elements beyond <see cref="Limit"/>, never run.</summary>
    public int Cut { get; init; }

    public int Parallelism { get; init; }

    /// <summary>Iterations that ran, by outcome.</summary>
    public int Succeeded { get; init; }

    public int Partial { get; init; }

    public int Failed { get; init; }

    /// <summary>Iterations within the limit that never started: an iteration failed and the loop stops on error, or the run was cancelled.</summary>
    public int NotRun { get; init; }

    /// <summary>Failed and partial iterations by their first error category.</summary>
    public IReadOnlyDictionary<string, int>? ErrorCategories { get; init; }

    /// <summary>The iterations kept in full, by index.</summary>
    public IReadOnlyList<IterationRecord> Iterations { get; init; } = [];

    /// <summary>Iterations that ran but are only counted above, not listed.</summary>
    public int Omitted { get; init; }
}

/// <summary>One iteration of a loop: its position, outcome, timing and its steps' records (never the item).</summary>
public sealed record IterationRecord(int Index, string Status, long DurationMs, string? ErrorCategory, IReadOnlyList<StepRecord> Steps);
