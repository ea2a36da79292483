namespace BluBees.Engine.Templates;

/// <summary><c>target.method(args)</c> in Jira's smart-value syntax: the filter <see cref="JiraMethods"/> maps it to, applied to the target.</summary>
internal sealed class MethodCallExpr(Expr target, FilterCall call, int offset) : Expr(offset)
{
    public override object? Evaluate(RenderContext ctx) => call.Invoke(ctx, target.Evaluate(ctx));
}
