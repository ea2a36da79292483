using BluBees.Engine.Conditions;

namespace BluBees.Engine.Rules;

/// <summary>Which scope paths a condition reads (for <see cref="StepListCompiler"/>).</summary>
internal static class StepFields
{
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
