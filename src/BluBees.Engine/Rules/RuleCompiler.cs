using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Rules;

/// <summary>
/// Validates and compiles a rule in one pass, so that save-time validation and run-time compilation can never
/// disagree. <c>connections</c> are the tenant's own; a step naming any other id is an error.
/// </summary>
internal static class RuleCompiler
{
    public static CompiledRule? Compile(
        string id, int version, RuleDefinition definition, IReadOnlyDictionary<string, Connection>? connections,
        EgressOptions egress, TemplateLimits limits, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(definition.Name))
        {
            errors.Add("name", "is required");
        }
        else if (definition.Name.Length > RuleLimits.MaxNameLength)
        {
            errors.Add("name", $"may be at most {RuleLimits.MaxNameLength} characters");
        }

        using var fieldNames = FieldNameUse.Observe();
        var trigger = TriggerCompiler.Compile(definition.Trigger, errors, save: connections is not null);
        var conditions = ConditionCompiler.Compile(definition.Conditions, "conditions", errors);
        var steps = StepListCompiler.Compile(definition.Steps, connections, egress, limits, errors);
        return errors.IsEmpty ? new CompiledRule(id, version, definition.Name!.Trim(), trigger!, conditions, steps) { UsesFieldNames = fieldNames.UsesFieldNames } : null;
    }
}
