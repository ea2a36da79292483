using BluBees.Engine.Conditions;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Flow;

/// <summary>
/// A <c>forEach</c> block: <see cref="Steps"/> once per element of the array at <see cref="Items"/> (at most
/// <see cref="Limit"/>), <see cref="Parallelism"/> iterations at a time, each with <c>item</c> and <c>index</c> in scope.
/// </summary>
internal sealed record CompiledForEach(
    string Id, ScopePath Items, int Limit, int Parallelism, IReadOnlyList<ICompiledStep> Steps, bool ContinueOnError)
    : ICompiledStep, IStepContainer
{
    public string Kind => FlowKinds.ForEach;

    public string? ConnectionId => null;

    public IReadOnlyList<string> ConnectionIds => [.. Steps.SelectMany(s => s.ConnectionIds).Distinct(StringComparer.Ordinal)];

    public string? Method => null;

    public IEnumerable<ICompiledStep> Children => Steps;
}
