namespace BluBees.Engine.Steps.Flow;

/// <summary>An <c>if</c> block: <see cref="StepDefinition.If"/> picks <see cref="Then"/> or <see cref="Else"/>.</summary>
public sealed record IfStepDefinition : StepDefinition
{
    public IfStepDefinition() => Type = FlowKinds.If;

    /// <summary>The steps run when the condition holds (at least one).</summary>
    public IReadOnlyList<StepDefinition>? Then { get; init; }

    /// <summary>The steps run when it does not (optional).</summary>
    public IReadOnlyList<StepDefinition>? Else { get; init; }
}
