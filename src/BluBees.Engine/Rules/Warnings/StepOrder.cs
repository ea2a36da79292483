using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
namespace BluBees.Engine.Rules.Warnings;

/// <summary>One step as the run reaches it: its JSON path and the names its own block adds to the scope.</summary>
internal sealed record StepVisit(StepDefinition Step, string Path, IReadOnlyList<string> BlockRoots);

/// <summary>The steps of a rule in the order a run executes them.</summary>
internal static class StepOrder
{
    /// <summary>
    /// Every step, depth first, in execution order, with its path. The one place that knows how steps nest: a nested
    /// list (an <c>if</c>'s <c>then</c>/<c>else</c>, a <c>forEach</c>'s <c>steps</c> with <c>item</c> in scope) is visited
    /// here, right after the step that holds it, with its path (<c>steps[2].then[0]</c>) and the extra roots of its block.
    /// </summary>
    public static IEnumerable<StepVisit> InExecutionOrder(IReadOnlyList<StepDefinition>? steps, string path = "steps", IReadOnlyList<string>? blockRoots = null)
    {
        blockRoots ??= [];
        for (var i = 0; i < (steps?.Count ?? 0); i++)
        {
            if (steps![i] is not { } step)
            {
                continue;
            }

            yield return new StepVisit(step, $"{path}[{i}]", blockRoots);

            // An if block's branches see what the block sees; a forEach's steps also see `item` and `index`.
            foreach (var inner in InExecutionOrder((step as IfStepDefinition)?.Then, $"{path}[{i}].then", blockRoots))
            {
                yield return inner;
            }

            foreach (var inner in InExecutionOrder((step as IfStepDefinition)?.Else, $"{path}[{i}].else", blockRoots))
            {
                yield return inner;
            }

            foreach (var inner in InExecutionOrder((step as ForEachStepDefinition)?.Steps, $"{path}[{i}].steps", [.. blockRoots, "item", "index"]))
            {
                yield return inner;
            }
        }
    }

    /// <summary>The keys of a step whose values are not templates (or are step lists visited on their own).</summary>
    public static readonly IReadOnlySet<string> NonTemplateKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "id", "type", "connection", "method", "onError", "model", "schema", "select", "steps", "then", "else",
        "if", "items", "limit", "parallelism", // a condition (checked as one), a scope path and numbers
    };
}
