using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Rules;

/// <summary>
/// Validates and compiles a rule in one pass, so that save-time validation and run-time compilation can never
/// disagree. <c>connections</c> are the tenant's own; a step naming any other id is an error.
/// </summary>
public static class RuleCompiler
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
        var trigger = TriggerCompiler.Compile(definition.Trigger, errors);
        var conditions = ConditionCompiler.Compile(definition.Conditions, "conditions", errors);
        var steps = CompileSteps(definition.Steps, connections, egress, limits, errors);
        return errors.IsEmpty ? new CompiledRule(id, version, definition.Name!.Trim(), trigger!, conditions, steps) { UsesFieldNames = fieldNames.UsesFieldNames } : null;
    }

    private static List<ICompiledStep> CompileSteps(
        IReadOnlyList<StepDefinition>? steps, IReadOnlyDictionary<string, Connection>? connections,
        EgressOptions egress, TemplateLimits limits, ValidationErrors errors)
    {
        var compiled = new List<ICompiledStep>();
        var context = new StepCompileContext(connections, egress, limits);
        if (steps is null || steps.Count == 0)
        {
            errors.Add("steps", "a rule needs at least one step");
            return compiled;
        }

        if (steps.Count > RuleLimits.MaxSteps)
        {
            errors.Add("steps", $"a rule may have at most {RuleLimits.MaxSteps} steps, this one has {steps.Count}");
            return compiled;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var path = $"steps[{i}]";
            if (steps[i] is not { } step)
            {
                errors.Add(path, "must be a step object");
                continue;
            }

            if (step.Id is not { Length: > 0 and <= 40 } stepId || !stepId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(stepId[0]))
            {
                errors.Add(path + ".id", "is required: letters, digits and '_', not starting with a digit, at most 40 characters");
            }
            else if (!ids.Add(stepId))
            {
                errors.Add(path + ".id", $"'{stepId}' is used by an earlier step");
            }

            if (!StepKinds.TryGet(step.Type, out var compiler))
            {
                var kinds = string.Join(", ", StepKinds.Names.Select(k => $"'{k}'"));
                errors.Add(path + ".type", step.Type is null ? $"is required: one of {kinds}" : $"'{step.Type}' is not a step type: use one of {kinds}");
                continue;
            }

            if (compiler(step, path, context, errors) is { } compiledStep)
            {
                compiled.Add(compiledStep);
            }
        }

        return compiled;
    }
}
