namespace BluBees.Engine.Templates;

/// <summary>An expression of the Liquid subset; immutable once compiled.</summary>
internal abstract class Expr(int offset)
{
    /// <summary>Source offset, used for positions of runtime errors.</summary>
    public int Offset { get; } = offset;

    public abstract object? Evaluate(RenderContext ctx);
}

internal sealed class LiteralExpr(object? value, int offset) : Expr(offset)
{
    public object? Value { get; } = value;

    public override object? Evaluate(RenderContext ctx) => Value;
}

/// <summary><c>(from..to)</c>; bounds are converted to integers and clamped, the range stays lazy.</summary>
internal sealed class RangeExpr(Expr from, Expr to, int offset) : Expr(offset)
{
    internal Expr From => from;

    internal Expr To => to;

    public override object? Evaluate(RenderContext ctx) =>
        new RangeValue(Bound(from.Evaluate(ctx)), Bound(to.Evaluate(ctx)));

    private static long Bound(object? value) => Math.Clamp(
        FilterArgs.ToInteger(value) ?? 0, -RangeValue.MaxBound, RangeValue.MaxBound);
}
