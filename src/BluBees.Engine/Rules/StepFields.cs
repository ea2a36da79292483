using System.Text.Json;
using BluBees.Engine.Json;
using BluBees.Engine.Steps;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Rules;

/// <summary>Which fields a step definition sets, and which scope paths a condition reads (for <see cref="StepListCompiler"/>).</summary>
internal static class StepFields
{
    /// <summary>The fields the step sets, by their JSON names (the serializer's naming, so never out of step with it).</summary>
    public static IEnumerable<string> Set(StepDefinition step)
        => JsonSerializer.SerializeToNode(step, JsonDefaults.Options)?.AsObject().Select(p => p.Key).ToList() ?? [];

    /// <summary>The scope paths a condition reads (a dry run marks conditions that read outputs it did not produce).</summary>
    public static List<string> ReadByCondition(ConditionNode? node)
    {
        var fields = new List<string>();
        Collect(node, fields);
        return fields;

        static void Collect(ConditionNode? node, List<string> into)
        {
            if (node is null)
            {
                return;
            }

            if (node.Field is { } field)
            {
                into.Add(field);
            }

            foreach (var child in (node.All ?? []).Concat(node.Any ?? []))
            {
                Collect(child, into);
            }
        }
    }
}
