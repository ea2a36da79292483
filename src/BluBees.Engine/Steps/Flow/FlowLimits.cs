namespace BluBees.Engine.Steps.Flow;

/// <summary>
/// Bounds on control flow (<c>if</c> blocks, <c>forEach</c>, per-step <c>if</c>): each keeps one rule's run finite
/// in time, memory and run-record size. Exceeding a save-time bound is a precise validation error; the run-time
/// bounds end the run's remaining work with a category.
/// </summary>
internal static class FlowLimits
{
    /// <summary>Blocks nest at most this deep (a block inside a block inside a block).</summary>
    public const int MaxDepth = 3;

    /// <summary>Step definitions in one rule, nested ones included (the top level alone stays at <c>RuleLimits.MaxSteps</c>).</summary>
    public const int MaxTotalSteps = 50;

    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int DefaultParallelism = 1;
    public const int MaxParallelism = 10;

    /// <summary>Step executions one run may start, nested ones included; later steps fail with <c>step_limit_exceeded</c>.</summary>
    public const int MaxStepExecutions = 5000;

    /// <summary>A loop keeps full records (status, timing, nested steps) for iterations with an index below this; the rest are counted.</summary>
    public const int FullIterations = 20;

    /// <summary>
    /// Nested step records one run keeps at most across all its loops (a StepRecord is well under 1 KB, so this keeps
    /// a run record far below DynamoDB's 400 KB item limit); iterations beyond it are counted, not listed.
    /// </summary>
    public const int MaxNestedRecords = 400;

    /// <summary>A dry run previews at most this many iterations of each loop.</summary>
    public const int DryRunIterations = 5;
}
