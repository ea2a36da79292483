using System.Text.Json.Nodes;

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
    public override object? Evaluate(RenderContext ctx) =>
        new RangeValue(Bound(from.Evaluate(ctx)), Bound(to.Evaluate(ctx)));

    private static long Bound(object? value) => Math.Clamp(
        FilterArgs.ToInteger(value) ?? 0, -RangeValue.MaxBound, RangeValue.MaxBound);
}

/// <summary>One step of a path: <c>.name</c> or <c>[expr]</c>.</summary>
internal sealed record PathSegment(string? Name, Expr? Index);

/// <summary>A variable path such as <c>issue.fields.labels[0]</c> or <c>["odd key"].x</c>.</summary>
internal sealed class PathExpr(string? rootName, Expr? rootIndex, IReadOnlyList<PathSegment> segments, int offset) : Expr(offset)
{
    public override object? Evaluate(RenderContext ctx)
    {
        var current = Root(ctx);
        foreach (var segment in segments)
        {
            current = segment.Name is { } name ? Values.Member(current, name) : Values.Index(current, segment.Index!.Evaluate(ctx));
        }

        return current;
    }

    /// <summary>Like <see cref="Evaluate"/>, but a scope leaf comes back as its own JsonNode (keeps number text).</summary>
    public object? EvaluateRaw(RenderContext ctx)
    {
        if (segments.Count == 0)
        {
            return Evaluate(ctx);
        }

        var current = Root(ctx);
        for (var i = 0; i < segments.Count - 1; i++)
        {
            var segment = segments[i];
            current = segment.Name is { } name ? Values.Member(current, name) : Values.Index(current, segment.Index!.Evaluate(ctx));
        }

        var last = segments[^1];
        var key = last.Name ?? last.Index!.Evaluate(ctx);
        return (current, key) switch
        {
            (JsonObject obj, string k) when obj.TryGetPropertyValue(k, out var node) => node,
            (JsonArray array, long i) when i >= -array.Count && i < array.Count => array[(int)(i < 0 ? array.Count + i : i)],
            _ => last.Name is { } n ? Values.Member(current, n) : Values.Index(current, key),
        };
    }

    private object? Root(RenderContext ctx) => rootName is not null ? ctx.Lookup(rootName)
        : Values.ScalarText(rootIndex!.Evaluate(ctx)) is { } name ? ctx.Lookup(name) : null;
}

/// <summary>An expression followed by its filters: <c>x | f: a, b | g</c>.</summary>
internal sealed class FilteredExpr(Expr input, IReadOnlyList<FilterCall> filters) : Expr(input.Offset)
{
    public Expr Input { get; } = input;

    public override object? Evaluate(RenderContext ctx)
    {
        var value = Input.Evaluate(ctx);
        foreach (var filter in filters)
        {
            value = filter.Invoke(ctx, value);
        }

        return value;
    }

    /// <summary>Value mode: a bare path keeps the scope's own node.</summary>
    public object? EvaluateRaw(RenderContext ctx) =>
        filters.Count == 0 && Input is PathExpr path ? path.EvaluateRaw(ctx) : Evaluate(ctx);
}

/// <summary>A filter application with its positional and keyword argument expressions.</summary>
internal sealed class FilterCall(FilterDef filter, IReadOnlyList<Expr> args, IReadOnlyDictionary<string, Expr> named, int offset)
{
    public object? Invoke(RenderContext ctx, object? input)
    {
        ctx.Step();
        var values = new object?[args.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = args[i].Evaluate(ctx);
        }

        var options = named.Count == 0 ? FilterArgs.NoOptions : named.ToDictionary(p => p.Key, p => p.Value.Evaluate(ctx));
        try
        {
            return filter.Invoke(ctx, input, new FilterArgs(filter.Name, values, options));
        }
        catch (TemplateFailure failure) when (failure is { Kind: TemplateErrorKind.Runtime, Offset: < 0 })
        {
            throw new TemplateFailure(failure.Kind, failure.Message, offset);
        }
    }
}
