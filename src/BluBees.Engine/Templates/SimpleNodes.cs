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
        var text = Values.ToText(Expression.Evaluate(ctx), ctx);
        if (text.Length == 0 && output.InPathOrQuery && !Expression.EndsWith("url_raw"))
        {
            output.MarkEmptyOutput();
        }

        // Data rendered into a URL's path or query is one value: a '/', '?', '#', '&' or '..' in it must not add a
        // segment, start a query or a parameter. url_encode (already encoded) or url_raw (the admin's choice) as the
        // last filter leave the text as it is.
        output.Append(output.InPathOrQuery && !Expression.EndsWith("url_encode", "url_raw") ? UrlEncoded(ctx, text) : text);
        return Signal.None;
    }

    /// <summary>
    /// The text percent-encoded; a value that is only "." or ".." has its dots encoded too ('%2E'), as the URL parser
    /// would otherwise resolve it as a dot segment: the request builder refuses a path with an encoded dot segment.
    /// </summary>
    private static string UrlEncoded(RenderContext ctx, string text) =>
        text is "." or ".." ? text.Replace(".", "%2E", StringComparison.Ordinal) : ctx.Checked(Uri.EscapeDataString(StringFilters.Grow(ctx, text)));
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
