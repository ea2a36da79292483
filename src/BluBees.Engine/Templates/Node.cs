namespace BluBees.Engine.Templates;

/// <summary>How a node finished: normally, or asking the enclosing loop to break/continue.</summary>
internal enum Signal
{
    None,
    Break,
    Continue,
}

/// <summary>A compiled template element; immutable, so one compiled template can render on many threads.</summary>
internal abstract class Node
{
    public abstract Signal Render(RenderContext ctx, OutputBuffer output);

    /// <summary>Renders a block body; each node costs a step, each block a nesting level.</summary>
    public static Signal RenderBlock(IReadOnlyList<Node> nodes, RenderContext ctx, OutputBuffer output)
    {
        ctx.Enter();
        foreach (var node in nodes)
        {
            ctx.Step();
            var signal = node.Render(ctx, output);
            if (signal != Signal.None)
            {
                ctx.Exit();
                return signal;
            }
        }

        ctx.Exit();
        return Signal.None;
    }
}
