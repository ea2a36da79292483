using System.Text.Json.Nodes;

namespace BluBees.Engine.Conditions;

/// <summary>All (AND) or any (OR) of its children. Short-circuits, except when tracing a dry run.</summary>
internal sealed class GroupCondition(string path, bool requireAll, IReadOnlyList<ICondition> children) : ICondition
{
    private readonly FailedCheck _check = new(path, requireAll ? "all" : "any");

    /// <summary>An <c>all</c> group reports its first failing child; an <c>any</c> group, where every child failed, reports itself.</summary>
    public bool Evaluate(JsonObject scope, out FailedCheck? failed)
    {
        foreach (var child in children)
        {
            var passed = child.Evaluate(scope, out var childFailed);
            if (requireAll && !passed)
            {
                failed = childFailed ?? _check;
                return false;
            }

            if (!requireAll && passed)
            {
                failed = null;
                return true;
            }
        }

        failed = requireAll ? null : _check;
        return requireAll;
    }

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
