namespace BluBees.Engine.Templates;

/// <summary>
/// Bounds applied to hostile (tenant-authored) templates. Compile uses <see cref="MaxSourceChars"/> and
/// <see cref="MaxNestingDepth"/>; render and evaluate use the rest. Every bound ends the work with a
/// <see cref="TemplateErrorKind.Limit"/> error instead of hanging or allocating without bound.
/// </summary>
public sealed record TemplateLimits
{
    /// <summary>Hard ceiling on nesting whatever is configured: parsing and rendering recurse per level.</summary>
    internal const int HardMaxNestingDepth = 256;

    /// <summary>Deepest JSON value the engine will serialize, compare or clone (scope data can be deeper).</summary>
    internal const int MaxValueDepth = 64;

    /// <summary>Characters string-producing filters may allocate in one render, as a multiple of <see cref="MaxOutputChars"/>.</summary>
    internal const int AllocationFactor = 256;

    /// <summary>
    /// Characters a string operation may scan or produce per evaluation step: <c>contains</c>, filters, comparisons,
    /// reads of scope strings and serialization all charge their length against <see cref="MaxSteps"/> and the
    /// run's <see cref="RunBudget"/>, so work is charged by size, not by the number of operations.
    /// </summary>
    internal const int ScanCharsPerStep = 1_024;

    public static TemplateLimits Default { get; } = new();

    public int MaxSourceChars { get; init; } = 16_384;

    /// <summary>Block tags (if, for, case, capture…) and bracket expressions nested inside each other; capped at 256.</summary>
    public int MaxNestingDepth { get; init; } = 24;

    /// <summary>
    /// Node evaluations + loop iterations + filter calls (+ elements visited by collection filters) + one per
    /// <see cref="ScanCharsPerStep"/> characters scanned or produced by string work.
    /// </summary>
    public int MaxSteps { get; init; } = 20_000;

    /// <summary>Caps the rendered text and every intermediate string value (e.g. <c>append</c> in a loop).</summary>
    public int MaxOutputChars { get; init; } = 65_536;

    /// <summary>Per render, all loops together.</summary>
    public int MaxLoopIterations { get; init; } = 2_000;

    internal int EffectiveNestingDepth => Math.Clamp(MaxNestingDepth, 0, HardMaxNestingDepth);

    internal long MaxAllocatedChars => (long)Math.Max(0, MaxOutputChars) * AllocationFactor;
}
