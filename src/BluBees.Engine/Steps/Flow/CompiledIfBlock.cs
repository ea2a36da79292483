using BluBees.Engine.Conditions;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Flow;

/// <summary>An <c>if</c> block: <see cref="Then"/> when <see cref="If"/> holds, else <see cref="Else"/> (possibly empty).</summary>
internal sealed record CompiledIfBlock(
    string Id, ICondition If, IReadOnlyList<string> ReadFields, IReadOnlyList<ICompiledStep> Then, IReadOnlyList<ICompiledStep> Else, bool ContinueOnError)
    : ICompiledStep, IStepContainer
{
    public string Kind => FlowKinds.If;

    public string? ConnectionId => null;

    public IReadOnlyList<string> ConnectionIds => [.. Children.SelectMany(s => s.ConnectionIds).Distinct(StringComparer.Ordinal)];

    public string? Method => null;

    public IEnumerable<ICompiledStep> Children => Then.Concat(Else);
}
