namespace BluBees.Engine.Templates;

/// <summary>
/// <c>case</c>/<c>when</c>/<c>else</c>. As in Liquid, every matching <c>when</c> renders; <c>else</c> renders
/// only when none matched. A null value list is the <c>else</c> branch.
/// </summary>
internal sealed class CaseNode(Expr subject, IReadOnlyList<IReadOnlyList<Expr>?> whens, IReadOnlyList<IReadOnlyList<Node>> bodies) : Node
{
    internal Expr Subject => subject;

    internal IReadOnlyList<IReadOnlyList<Expr>?> Whens => whens;

    internal IReadOnlyList<IReadOnlyList<Node>> Bodies => bodies;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        var value = subject.Evaluate(ctx);
        var matched = false;
        for (var i = 0; i < whens.Count; i++)
        {
            var candidates = whens[i];
            var hit = candidates is null ? !matched : candidates.Any(c => Comparisons.AreEqual(value, c.Evaluate(ctx), ctx));
            if (!hit)
            {
                continue;
            }

            matched = true;
            var signal = RenderBlock(bodies[i], ctx, output);
            if (signal != Signal.None)
            {
                return signal;
            }
        }

        return Signal.None;
    }
}
