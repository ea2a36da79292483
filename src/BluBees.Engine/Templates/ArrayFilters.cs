using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// Collection filters. Non-arrays are treated as one-element arrays and nil as empty (Liquid's rule); every
/// element visited costs a step, so huge ranges or arrays end on the step limit instead of running on.
/// </summary>
internal static class ArrayFilters
{
    public static IEnumerable<FilterDef> All { get; } =
    [
        new("size", 0, 0, (_, i, _) => Size(i)),
        new("first", 0, 0, (_, i, _) => Seq.From(i) is { Count: > 0 } s ? s[0] : null),
        new("last", 0, 0, (_, i, _) => Seq.From(i) is { Count: > 0 } s ? s[s.Count - 1] : null),
        new("join", 0, 1, Join),
        new("sort", 0, 1, (c, i, a) => Sort(c, i, a, ignoreCase: false)),
        new("sort_natural", 0, 1, (c, i, a) => Sort(c, i, a, ignoreCase: true)),
        new("uniq", 0, 1, Uniq),
        new("reverse", 0, 0, (c, i, _) => Enumerable.Reverse(Seq.Coerce(i).ToList(c)).ToList()),
        new("compact", 0, 1, (c, i, a) => Seq.Coerce(i).Items(c).Where(x => Key(x, a, c) is not null).ToList()),
        new("map", 1, 1, (c, i, a) => Seq.Coerce(i).Items(c).Select(x => Key(x, a, c)).ToList()),
        new("where", 1, 2, Where),
        new("concat", 1, 1, Concat),
        new("slice", 1, 2, Slice),
    ];

    private static long Size(object? input) => input switch
    {
        string s => s.Length,
        JsonObject o => o.Count,
        _ => Seq.From(input)?.Count ?? 0,
    };

    /// <summary>The item itself, or its property named by the first argument.</summary>
    private static object? Key(object? item, FilterArgs args, RenderContext ctx) =>
        args[0] is null ? item : Values.Member(item, args.Text(0, ctx), ctx);

    private static string Join(RenderContext ctx, object? input, FilterArgs args)
    {
        var separator = args.Text(0, ctx, " ");
        var buffer = new OutputBuffer(ctx.MaxChars, "a string value");
        var first = true;
        foreach (var item in Seq.Coerce(input).Items(ctx))
        {
            buffer.Append(first ? "" : separator);
            buffer.Append(Values.ToText(item, ctx));
            first = false;
        }

        return ctx.Checked(buffer.ToString());
    }

    /// <summary>Stable sort with a total order: numbers, then strings, then others (kept in order), nil last.</summary>
    private static List<object?> Sort(RenderContext ctx, object? input, FilterArgs args, bool ignoreCase)
    {
        var items = Seq.Coerce(input).ToList(ctx);
        var comparer = Comparer<object?>.Create((x, y) =>
        {
            var (rx, ry) = (Rank(x), Rank(y));
            return rx != ry ? rx.CompareTo(ry)
                : x is string a && y is string b && ignoreCase ? CompareIgnoringCase(a, b, ctx)
                : Comparisons.Compare(x, y, ctx) ?? 0;
        });
        return items.OrderBy(item => Key(item, args, ctx), comparer).ToList();
    }

    private static int CompareIgnoringCase(string a, string b, RenderContext ctx)
    {
        ctx.Scan(Math.Min(a.Length, b.Length));
        return string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
    }

    private static int Rank(object? value) => value switch
    {
        long or double or NumberText => 0,
        string => 1,
        null => 3,
        _ => 2,
    };

    private static List<object?> Uniq(RenderContext ctx, object? input, FilterArgs args)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return Seq.Coerce(input).Items(ctx).Where(item => seen.Add(Identity(Key(item, args, ctx), ctx))).ToList();
    }

    /// <summary>A string that is equal for equal values (type-tagged; containers by their JSON).</summary>
    private static string Identity(object? value, RenderContext ctx) => value switch
    {
        null => "nil",
        string s => "s:" + ctx.Checked(s),
        long or double => "n:" + Values.ScalarText(value),
        NumberText n => "n:" + Values.ScalarText(n.Value ?? n.Text), // 1.10 and 1.1 are the same number
        bool b => b ? "true" : "false",
        _ => "j:" + ValueJson.Serialize(value, ctx),
    };

    private static List<object?> Where(RenderContext ctx, object? input, FilterArgs args)
    {
        var property = args.Text(0, ctx);
        return Seq.Coerce(input).Items(ctx)
            .Where(item => args.Count < 2
                ? Values.IsTruthy(Values.Member(item, property, ctx))
                : Comparisons.AreEqual(Values.Member(item, property, ctx), args[1], ctx))
            .ToList();
    }

    private static List<object?> Concat(RenderContext ctx, object? input, FilterArgs args)
    {
        var other = Seq.From(args[0]) ?? throw TemplateFailure.Runtime("filter 'concat': the argument must be an array");
        return [.. Seq.Coerce(input).Items(ctx), .. other.Items(ctx)];
    }

    /// <summary><c>slice: offset, length</c> on strings and arrays; a negative offset counts from the end.</summary>
    private static object? Slice(RenderContext ctx, object? input, FilterArgs args)
    {
        var offset = args.Integer(0, 0);
        var length = args.Integer(1, 1);
        var seq = Seq.From(input);
        var text = seq is null ? Values.ToText(input, ctx) : null;
        var count = seq?.Count ?? text!.Length;
        var start = offset < 0 ? count + offset : offset;
        if (start < 0 || start >= count || length <= 0)
        {
            return seq is null ? "" : new List<object?>();
        }

        var take = Math.Min(length, count - start);
        if (text is not null)
        {
            return ctx.Checked(text.Substring((int)start, (int)take));
        }

        var result = new List<object?>();
        for (var i = start; i < start + take; i++)
        {
            ctx.Step();
            result.Add(seq![i]);
        }

        return result;
    }
}
