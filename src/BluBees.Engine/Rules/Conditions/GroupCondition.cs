using System.Text.Json.Nodes;

namespace BluBees.Engine.Rules.Conditions;

/// <summary>All (AND) or any (OR) of its children. Short-circuits, except when tracing a dry run.</summary>
public sealed class GroupCondition(string path, bool requireAll, IReadOnlyList<ICondition> children) : ICondition
{
    public bool Evaluate(JsonObject scope, List<ConditionOutcome>? trace)
    {
        var result = requireAll;
        foreach (var child in children)
        {
            var passed = child.Evaluate(scope, trace);
            if (requireAll && !passed)
            {
                result = false;
                if (trace is null)
                {
                    break;
                }
            }
            else if (!requireAll && passed)
            {
                result = true;
                if (trace is null)
                {
                    break;
                }
            }
        }

        trace?.Add(new ConditionOutcome(path, requireAll ? $"all of {children.Count}" : $"any of {children.Count}", result));
        return result;
    }
}
