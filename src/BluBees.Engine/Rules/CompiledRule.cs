using BluBees.Engine.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Rules;

/// <summary>An immutable, validated rule version with its templates and regexes compiled; safe to share and cache.</summary>
public sealed record CompiledRule(
    string Id,
    int Version,
    string Name,
    CompiledTrigger Trigger,
    ICondition? Conditions,
    IReadOnlyList<ICompiledStep> Steps)
{
    /// <summary>A template may name a Jira field by its display name: the run loads the site's field list first (<see cref="Templates.FieldNameUse"/>).</summary>
    public bool UsesFieldNames { get; init; }
}
