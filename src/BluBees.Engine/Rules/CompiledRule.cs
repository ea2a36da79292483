using BluBees.Engine.Rules.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Steps;

namespace BluBees.Engine.Rules;

/// <summary>An immutable, validated rule version with its templates and regexes compiled; safe to share and cache.</summary>
public sealed record CompiledRule(
    string Id,
    int Version,
    string Name,
    CompiledTrigger Trigger,
    ICondition? Conditions,
    IReadOnlyList<ICompiledStep> Steps);
