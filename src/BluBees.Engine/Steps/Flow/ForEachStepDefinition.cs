namespace BluBees.Engine.Steps.Flow;

/// <summary>A <c>forEach</c> block: <see cref="Steps"/> run once per item of the list at <see cref="Items"/>.</summary>
public sealed record ForEachStepDefinition : StepDefinition
{
    public ForEachStepDefinition() => Type = FlowKinds.ForEach;

    /// <summary>A scope path (not a template) to a JSON array, e.g. <c>steps.search.issues</c>.</summary>
    public string? Items { get; init; }

    /// <summary>The most items run, 1–1000 (default 100); the rest are counted as cut.</summary>
    public int? Limit { get; init; }

    /// <summary>Iterations run at once, 1–10 (default 1).</summary>
    public int? Parallelism { get; init; }

    /// <summary>The steps run for each item, with <c>item</c> and <c>index</c> in scope.</summary>
    public IReadOnlyList<StepDefinition>? Steps { get; init; }
}
