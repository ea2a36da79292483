namespace BluBees.Engine.Templates;

/// <summary>An expression followed by its filters: <c>x | f: a, b | g</c>.</summary>
internal sealed class FilteredExpr(Expr input, IReadOnlyList<FilterCall> filters) : Expr(input.Offset)
{
    public Expr Input { get; } = input;

    internal IReadOnlyList<FilterCall> Filters => filters;

    /// <summary>Whether the last filter applied is one of <paramref name="names"/>.</summary>
    internal bool EndsWith(params string[] names) => filters.Count > 0 && names.Contains(filters[^1].Name, StringComparer.Ordinal);

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
    internal IEnumerable<Expr> Arguments => args.Concat(named.Values);

    internal string Name => filter.Name;

    public object? Invoke(RenderContext ctx, object? input)
    {
        ctx.Step();
        var values = new object?[args.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = args[i].Evaluate(ctx);
        }

        var options = named.Count == 0 ? FilterArgs.NoOptions : named.ToDictionary(p => p.Key, p => p.Value.Evaluate(ctx));

        // Charged by size, not per call: a filter scans its string input and arguments and produces its result,
        // so a cheap-looking filter on a huge field in a loop runs into the step limit instead of the CPU.
        ctx.ScanValue(input);
        foreach (var value in values)
        {
            ctx.ScanValue(value);
        }

        try
        {
            var result = filter.Invoke(ctx, input, new FilterArgs(filter.Name, values, options));
            ctx.ScanValue(result);
            return result;
        }
        catch (TemplateFailure failure) when (failure is { Kind: TemplateErrorKind.Runtime, Offset: < 0 })
        {
            throw new TemplateFailure(failure.Kind, failure.Message, offset);
        }
    }
}
