using BluBees.Engine.Conditions;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Flow;

/// <summary>
/// A step with a per-step <c>if</c>: run only when <see cref="If"/> holds against the scope at that point (earlier
/// steps' outputs, and a loop's <c>item</c>/<c>index</c>); otherwise recorded as skipped. Wraps the step so that its
/// kind's executor still sees its own compiled type.
/// </summary>
internal sealed record GuardedStep(ICompiledStep Step, ICondition If, IReadOnlyList<string> ReadFields) : ICompiledStep, IStepContainer
{
    public string Id => Step.Id;

    public string Kind => Step.Kind;

    public string? ConnectionId => Step.ConnectionId;

    public IReadOnlyList<string> ConnectionIds => Step.ConnectionIds;

    public string? Method => Step.Method;

    public bool ContinueOnError => Step.ContinueOnError;

    public IEnumerable<ICompiledStep> Children => [Step];
}
