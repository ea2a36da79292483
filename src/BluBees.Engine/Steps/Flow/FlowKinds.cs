namespace BluBees.Engine.Steps.Flow;

/// <summary>The control-flow step types, and how run records mark a step skipped by a condition.</summary>
internal static class FlowKinds
{
    public const string If = "if";
    public const string ForEach = "forEach";

    /// <summary>Every flow type, for error messages next to <see cref="StepKinds.Names"/>.</summary>
    public static readonly IReadOnlyList<string> Names = [If, ForEach];

    /// <summary>Each flow type's definition record (the step-list compiler, not a kind, compiles them).</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, Type>> Definitions =
        [new(If, typeof(IfStepDefinition)), new(ForEach, typeof(ForEachStepDefinition))];

    /// <summary><see cref="Execution.StepRecord.SkippedBy"/>: the step's (or block's) condition was false.</summary>
    public const string SkippedByIf = "if";

    public const string BranchThen = "then";
    public const string BranchElse = "else";
    public const string BranchNone = "none";
}
