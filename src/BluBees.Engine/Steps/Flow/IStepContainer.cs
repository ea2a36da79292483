using BluBees.Engine.Execution;
namespace BluBees.Engine.Steps.Flow;

/// <summary>
/// A compiled step that holds other steps (a guarded step, an <c>if</c> block, a <c>forEach</c>): what rule-wide
/// questions (does the rule write to Jira? which connections does it use?) must look inside.
/// </summary>
internal interface IStepContainer
{
    IEnumerable<ICompiledStep> Children { get; }
}

internal static class StepTree
{
    /// <summary>Every step of the tree, depth first, containers included.</summary>
    public static IEnumerable<ICompiledStep> All(IEnumerable<ICompiledStep> steps)
    {
        foreach (var step in steps)
        {
            yield return step;
            if (step is IStepContainer container)
            {
                foreach (var child in All(container.Children))
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>Every step a container's steps would set in <c>steps.&lt;id&gt;</c>, nested ones included.</summary>
    public static IEnumerable<string> Ids(IEnumerable<ICompiledStep> steps)
        => All(steps).Where(s => s is not GuardedStep).Select(s => s.Id).Distinct(StringComparer.Ordinal);
}
