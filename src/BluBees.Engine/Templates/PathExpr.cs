using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// One step of a path: <c>.name</c> or <c>[expr]</c>. A <see cref="Function"/> is a Jira property-style function
/// (<c>.jiraDate</c>): it applies unless the value is an object with a member of that name (or <c>forloop</c>).
/// </summary>
internal sealed record PathSegment(string? Name, Expr? Index)
{
    public FilterCall? Function { get; init; }

    public object? Apply(object? current, RenderContext ctx)
    {
        if (Name is null)
        {
            return Values.Index(current, Index!.Evaluate(ctx), ctx);
        }

        return Function is null || current is ForLoopState || (current is JsonObject obj && obj.ContainsKey(Name))
            ? Values.Member(current, Name, ctx)
            : Function.Invoke(ctx, current);
    }
}

/// <summary>
/// A variable path such as <c>issue.fields.labels[0]</c> or <c>["odd key"].x</c>, or the members read from the result
/// of a method call (<c>a.diff(b).days</c>: <paramref name="rootValue"/>).
/// </summary>
internal sealed class PathExpr(string? rootName, Expr? rootIndex, IReadOnlyList<PathSegment> segments, int offset, Expr? rootValue = null) : Expr(offset)
{
    internal string? RootName => rootName;

    internal Expr? RootIndex => rootIndex;

    internal IReadOnlyList<PathSegment> Segments => segments;

    public override object? Evaluate(RenderContext ctx)
    {
        var current = Root(ctx);
        foreach (var segment in segments)
        {
            current = segment.Apply(current, ctx);
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
            current = segments[i].Apply(current, ctx);
        }

        var last = segments[^1];
        if (last.Function is not null)
        {
            return last.Apply(current, ctx);
        }

        var key = last.Name ?? last.Index!.Evaluate(ctx);
        return (current, key) switch
        {
            (JsonObject obj, string k) when obj.TryGetPropertyValue(k, out var node) => node,
            (JsonArray array, long i) when i >= -array.Count && i < array.Count => array[(int)(i < 0 ? array.Count + i : i)],
            _ => last.Name is { } n ? Values.Member(current, n, ctx) : Values.Index(current, key, ctx),
        };
    }

    private object? Root(RenderContext ctx) => rootValue is not null ? rootValue.Evaluate(ctx)
        : rootName is not null ? ctx.Lookup(rootName)
        : Values.ScalarText(rootIndex!.Evaluate(ctx)) is { } name ? ctx.Lookup(name) : null;
}
