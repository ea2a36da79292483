using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using BluBees.Engine.Steps.Flow;

namespace BluBees.Engine.Steps;

/// <summary>
/// A set of step kinds with the flow blocks: what <see cref="StepDefinitionConverter"/> reads a step's <c>type</c>
/// against and what the step-list compiler dispatches on. Production uses <see cref="StepKinds.Default"/>; a test may
/// build one with a kind of its own, which is how the tests show that a kind needs nothing but its folder.
/// </summary>
internal sealed class StepKindSet
{
    private readonly FrozenDictionary<string, IStepKind> _byName;

    public StepKindSet(IEnumerable<IStepKind> kinds)
    {
        Kinds = [.. kinds];
        _byName = Kinds.ToFrozenDictionary(k => k.Name, StringComparer.Ordinal);
        Names = [.. _byName.Keys.Order(StringComparer.Ordinal)];
        Definitions = Kinds.Select(k => KeyValuePair.Create(k.Name, k.DefinitionType))
            .Concat(FlowKinds.Definitions)
            .ToFrozenDictionary(StringComparer.Ordinal);
        TypeList = string.Join(", ", Names.Concat(FlowKinds.Names).Select(k => $"'{k}'"));
    }

    public IReadOnlyList<IStepKind> Kinds { get; }

    /// <summary>Every kind's name, ordered (the flow blocks aside).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Every <c>type</c> a step may have, kinds and flow blocks, to the record it is read into.</summary>
    public FrozenDictionary<string, Type> Definitions { get; }

    /// <summary>Every <c>type</c>, quoted, for error messages.</summary>
    public string TypeList { get; }

    public bool TryGet(string? name, [NotNullWhen(true)] out IStepKind? kind)
    {
        kind = null;
        return name is not null && _byName.TryGetValue(name, out kind);
    }
}
