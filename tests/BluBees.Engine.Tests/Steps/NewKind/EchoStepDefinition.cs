using BluBees.Engine.Steps;

namespace BluBees.Engine.Tests.Steps.NewKind;

/// <summary>A test-only kind's record: <c>{"type": "test.echo", "text": ..., "repeat": ...}</c>. Nothing shared names it.</summary>
public sealed record EchoStepDefinition : StepDefinition
{
    public EchoStepDefinition() => Type = EchoStepKind.KindName;

    public string? Text { get; init; }

    public int? Repeat { get; init; }
}
