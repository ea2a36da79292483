using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>The parsed header of a for tag: <c>item in collection reversed limit: n offset: m</c>.</summary>
internal sealed record ForHeader(string Variable, Expr Collection, bool Reversed, Expr? Limit, Expr? Offset);

/// <summary>
/// <c>for</c>/<c>else</c>. The window (offset, limit, reversed) is computed arithmetically, so a lazy range is
/// never materialised; each iteration is charged against the loop and step budgets.
/// </summary>
internal sealed class ForNode(ForHeader header, IReadOnlyList<Node> body, IReadOnlyList<Node>? elseBody) : Node
{
    internal ForHeader Header => header;

    internal IReadOnlyList<Node> Body => body;

    internal IReadOnlyList<Node>? ElseBody => elseBody;

    public override Signal Render(RenderContext ctx, OutputBuffer output)
    {
        var items = Collection(header.Collection.Evaluate(ctx), ctx);
        var offset = Math.Max(0, Integer(header.Offset, ctx) ?? 0);
        var start = Math.Min(offset, items.Count);
        var end = Integer(header.Limit, ctx) is { } limit ? Math.Min(items.Count, start + Math.Max(0, limit)) : items.Count;
        var length = end - start;
        if (length <= 0)
        {
            return elseBody is null ? Signal.None : RenderBlock(elseBody, ctx, output);
        }

        var frame = ctx.PushLoop(header.Variable, length);
        for (long k = 0; k < length; k++)
        {
            ctx.Iterate();
            frame.State.Index0 = k;
            frame.Item = items[header.Reversed ? end - 1 - k : start + k];
            if (RenderBlock(body, ctx, output) == Signal.Break)
            {
                break;
            }
        }

        ctx.PopLoop();
        return Signal.None;
    }

    private static long? Integer(Expr? expr, RenderContext ctx)
    {
        if (expr is null)
        {
            return null;
        }

        return FilterArgs.ToInteger(expr.Evaluate(ctx)) ?? throw TemplateFailure.Runtime("for loop limit and offset must be numbers", expr.Offset);
    }

    /// <summary>Arrays and ranges as they are, objects as [key, value] pairs, a non-empty string as one item.</summary>
    private static Seq Collection(object? value, RenderContext ctx)
    {
        switch (value)
        {
            case JsonObject obj:
                var pairs = new List<object?>(obj.Count);
                foreach (var (key, node) in obj)
                {
                    ctx.Step();
                    pairs.Add(new List<object?> { key, Values.FromNode(node, ctx) });
                }

                return Seq.Coerce(pairs);
            case string s:
                return Seq.Coerce(s.Length == 0 ? null : new List<object?> { s });
            default:
                return Seq.From(value) ?? Seq.Coerce(null);
        }
    }
}
