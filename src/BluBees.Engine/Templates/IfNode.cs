namespace BluBees.Engine.Templates;

/// <summary>
/// <c>if</c>/<c>elsif</c>/<c>else</c> and <c>unless</c> (whose first condition is negated).
/// A null condition is the <c>else</c> branch.
/// </summary>
internal sealed class IfNode(IReadOnlyList<Condition?> conditions, IReadOnlyList<IReadOnlyList<Node>> bodies, bool negateFirst) : Node
{
    internal IReadOnlyList<Condition?> Conditions => conditions;

    internal IReadOnlyList<IReadOnlyList<Node>> Bodies => bodies;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        for (var i = 0; i < conditions.Count; i++)
        {
            var condition = conditions[i];
            if (condition is null || condition.Evaluate(ctx) != (negateFirst && i == 0))
            {
                return RenderBlock(bodies[i], ctx, output);
            }
        }

        return Signal.None;
    }
}
