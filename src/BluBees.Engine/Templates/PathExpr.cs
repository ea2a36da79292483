using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>One step of a path: <c>.name</c> or <c>[expr]</c>.</summary>
internal sealed record PathSegment(string? Name, Expr? Index);

/// <summary>A variable path such as <c>issue.fields.labels[0]</c> or <c>["odd key"].x</c>.</summary>
internal sealed class PathExpr(string? rootName, Expr? rootIndex, IReadOnlyList<PathSegment> segments, int offset) : Expr(offset)
{
    internal string? RootName => rootName;

    internal Expr? RootIndex => rootIndex;

    internal IReadOnlyList<PathSegment> Segments => segments;

    public override object? Evaluate(RenderContext ctx)
    {
        var current = Root(ctx);
        foreach (var segment in segments)
        {
            current = segment.Name is { } name ? Values.Member(current, name, ctx) : Values.Index(current, segment.Index!.Evaluate(ctx), ctx);
        }

        return current;
    }

    /// <summary>Like <see cref="Evaluate"/>, but a scope leaf comes back as its own JsonNode (keeps number text).</summary>
    public object? EvaluateRaw(RenderContext ctx)
    {
        if (segments.Count == 0)
        {
            return rootName is not null ? ctx.Lookup(rootName, raw: true) : Evaluate(ctx);
        }

        var current = Root(ctx);
        for (var i = 0; i < segments.Count - 1; i++)
        {
            var segment = segments[i];
            current = segment.Name is { } name ? Values.Member(current, name, ctx) : Values.Index(current, segment.Index!.Evaluate(ctx), ctx);
        }

        var last = segments[^1];
        var key = last.Name ?? last.Index!.Evaluate(ctx);
        return (current, key) switch
        {
            (JsonObject obj, string k) when obj.TryGetPropertyValue(k, out var node) => node,
            (JsonArray array, long i) when i >= -array.Count && i < array.Count => array[(int)(i < 0 ? array.Count + i : i)],
            _ => last.Name is { } n ? Values.Member(current, n, ctx) : Values.Index(current, key, ctx),
        };
    }

    private object? Root(RenderContext ctx) => rootName is not null ? ctx.Lookup(rootName)
        : Values.ScalarText(rootIndex!.Evaluate(ctx)) is { } name ? ctx.Lookup(name) : null;
}
