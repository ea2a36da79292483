namespace BluBees.Engine.Templates;

// The leaf statements: small enough to read together.

internal sealed class TextNode(string text) : Node
{
    public string Text { get; } = text;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        output.Append(Text);
        return Signal.None;
    }
}

/// <summary><c>{{ expr }}</c> and <c>{% echo expr %}</c>.</summary>
internal sealed class OutputNode(FilteredExpr expression, bool isEcho) : Node
{
    public FilteredExpr Expression { get; } = expression;

    /// <summary>True for the echo tag: value mode only applies to a literal <c>{{ … }}</c>.</summary>
    public bool IsEcho { get; } = isEcho;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        output.Append(Values.ToText(Expression.Evaluate(ctx), ctx));
        return Signal.None;
    }
}

internal sealed class AssignNode(string name, FilteredExpr expression) : Node
{
    internal string Name => name;

    internal FilteredExpr Expression => expression;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        ctx.Assign(name, expression.Evaluate(ctx));
        return Signal.None;
    }
}

/// <summary><c>{% capture name %}…{% endcapture %}</c>: renders into its own capped buffer.</summary>
internal sealed class CaptureNode(string name, IReadOnlyList<Node> body) : Node
{
    internal string Name => name;

    internal IReadOnlyList<Node> Body => body;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        var captured = new OutputBuffer(ctx.MaxChars, "a captured string");
        var signal = RenderBlock(body, ctx, captured);
        ctx.Assign(name, ctx.Checked(captured.ToString()));
        return signal;
    }
}

/// <summary><c>{% break %}</c> / <c>{% continue %}</c> (the parser only accepts them inside a for loop).</summary>
internal sealed class LoopControlNode(Signal signal) : Node
{
    public override Signal Render(RenderContext ctx, OutputBuffer output) => signal;
}
