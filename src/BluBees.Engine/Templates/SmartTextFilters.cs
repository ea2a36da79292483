using System.Globalization;
using BluBees.Engine.Common;

namespace BluBees.Engine.Templates;

/// <summary>
/// Jira Automation's text, list and math functions that Liquid has no filter for
/// (https://support.atlassian.com/cloud-automation/docs/jira-smart-values-text-fields/,
/// https://support.atlassian.com/cloud-automation/docs/jira-smart-values-lists/). Java semantics where they are
/// safe (<c>substring(begin, end)</c> clamps instead of throwing); a position outside the text gives nil.
/// </summary>
internal static class SmartTextFilters
{
    public static IEnumerable<FilterDef> All { get; } =
    [
        new("substring", 1, 2, Substring),
        new("left", 1, 1, (c, i, a) => Substring(c, i, 0, a.Integer(0, 0))),
        new("right", 1, 1, Right),
        new("starts_with", 1, 1, (c, i, a) => Text(c, i).StartsWith(a.Text(0, c), StringComparison.Ordinal)),
        new("ends_with", 1, 1, (c, i, a) => Text(c, i).EndsWith(a.Text(0, c), StringComparison.Ordinal)),
        new("equals", 1, 1, (c, i, a) => string.Equals(Text(c, i), a.Text(0, c), StringComparison.Ordinal)),
        new("equals_ignore_case", 1, 1, (c, i, a) => string.Equals(Text(c, i), a.Text(0, c), StringComparison.OrdinalIgnoreCase)),
        new("index_of", 1, 1, (c, i, a) => (long)Text(c, i).IndexOf(a.Text(0, c), StringComparison.Ordinal)),
        new("char_at", 1, 1, (c, i, a) => Substring(c, i, a.Integer(0, 0), a.Integer(0, 0) + 1) is string { Length: 1 } s ? s : null),
        new("is_empty", 0, 0, (_, i, _) => i is null || Values.IsEmpty(i)),
        new("is_not_empty", 0, 0, (_, i, _) => !(i is null || Values.IsEmpty(i))),
        new("as_number", 0, 0, (_, i, _) => AsNumber(i)),
        new("sum", 0, 0, (c, i, _) => Numbers(c, i).Select(n => Values.Arithmetic(n, "sum")).Aggregate((object)0L, Add)),
        new("average", 0, 0, Average),
        new("max", 0, 0, (c, i, _) => Extreme(c, i, max: true)),
        new("min", 0, 0, (c, i, _) => Extreme(c, i, max: false)),
    ];

    private static string Text(RenderContext ctx, object? input) => Values.ToText(input, ctx);

    private static object? Substring(RenderContext ctx, object? input, FilterArgs args) =>
        Substring(ctx, input, args.Integer(0, 0), args.Count > 1 ? args.Integer(1, 0) : long.MaxValue);

    private static object? Substring(RenderContext ctx, object? input, long begin, long end)
    {
        var text = Text(ctx, input);
        var from = Math.Clamp(begin, 0, text.Length);
        var to = Math.Clamp(end, from, text.Length);
        return begin > text.Length ? null : ctx.Checked(text[(int)from..(int)to]);
    }

    private static object? Right(RenderContext ctx, object? input, FilterArgs args)
    {
        var text = Text(ctx, input);
        var count = Math.Clamp(args.Integer(0, 0), 0, text.Length);
        return ctx.Checked(text[(int)(text.Length - count)..]);
    }

    /// <summary>A number from a number or numeric text; nil otherwise (Jira's <c>asNumber</c>).</summary>
    public static object? AsNumber(object? input) => input switch
    {
        long or double or NumberText => input,
        string s when DecimalText.IsNumber(s) => Values.ParseNumber(s.Trim()), // beyond a double: kept, never 0
        _ => null,
    };

    private static IEnumerable<object> Numbers(RenderContext ctx, object? input) =>
        Seq.Coerce(input).Items(ctx).Select(AsNumber).OfType<object>();

    private static object Add(object a, object b)
    {
        try
        {
            if (a is long x && b is long y)
            {
                return checked(x + y);
            }

            var sum = Convert.ToDouble(a, CultureInfo.InvariantCulture) + Convert.ToDouble(b, CultureInfo.InvariantCulture);
            return double.IsFinite(sum) ? sum : throw TemplateFailure.Runtime("filter 'sum': the result is not a finite number");
        }
        catch (OverflowException)
        {
            throw TemplateFailure.Runtime("filter 'sum': integer overflow");
        }
    }

    private static object? Average(RenderContext ctx, object? input, FilterArgs args)
    {
        // A running mean: the mean of finite numbers is finite, where their sum (Enumerable.Average) may overflow.
        double mean = 0;
        var count = 0;
        foreach (var n in Numbers(ctx, input))
        {
            mean += (Convert.ToDouble(Values.Arithmetic(n, "average"), CultureInfo.InvariantCulture) - mean) / ++count;
        }

        return count == 0 ? null : double.IsFinite(mean) ? mean : throw TemplateFailure.Runtime("filter 'average': the result is not a finite number");
    }

    /// <summary>The largest or smallest number, or the latest or earliest date (Jira's <c>max</c>/<c>min</c> work on both).</summary>
    private static object? Extreme(RenderContext ctx, object? input, bool max)
    {
        var items = Seq.Coerce(input).ToList(ctx);
        var numbers = items.Select(AsNumber).OfType<object>().ToList();
        if (numbers.Count > 0)
        {
            // Exact for numbers of any size; the first of equal extremes wins.
            return numbers.Aggregate((best, n) => (max ? 1 : -1) * (Comparisons.Compare(n, best, ctx) ?? 0) > 0 ? n : best);
        }

        var dates = items.Select(JiraDates.Parse).OfType<DateTimeOffset>().ToList();
        return dates.Count == 0 ? null : JiraDates.Text(max ? dates.Max() : dates.Min());
    }
}
