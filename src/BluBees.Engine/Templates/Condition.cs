namespace BluBees.Engine.Templates;

/// <summary>One comparison (<c>a == b</c>, <c>a contains b</c>) or a bare truthiness test (<c>a</c>).</summary>
internal sealed record Comparison(Expr Left, string? Operator, Expr? Right)
{
    public bool Evaluate(RenderContext ctx)
    {
        var left = Left.Evaluate(ctx);
        return Operator is null ? Values.IsTruthy(left) : Comparisons.Evaluate(Operator, left, Right!.Evaluate(ctx), ctx);
    }
}

/// <summary>
/// Comparisons joined by <c>and</c>/<c>or</c>. Liquid has no precedence: it groups from the right, so
/// <c>a or b and c</c> is <c>a or (b and c)</c>. Stored flat and folded iteratively (no recursion on long chains).
/// </summary>
internal sealed class Condition(IReadOnlyList<Comparison> terms, IReadOnlyList<bool> isAnd)
{
    internal IReadOnlyList<Comparison> Terms => terms;

    public static Condition Never { get; } = new([new Comparison(new LiteralExpr(false, 0), null, null)], []);

    public bool Evaluate(RenderContext ctx)
    {
        var result = terms[^1].Evaluate(ctx);
        for (var i = terms.Count - 2; i >= 0; i--)
        {
            result = isAnd[i] ? result && terms[i].Evaluate(ctx) : result || terms[i].Evaluate(ctx);
        }

        return result;
    }
}
