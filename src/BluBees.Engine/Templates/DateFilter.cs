using System.Globalization;
using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>
/// <c>date: "%Y-%m-%d"</c> over an ISO-8601 string (Jira's <c>+0000</c> offsets included) or Unix seconds.
/// Deliberately no <c>"now"</c>: a template must render the same for the same event. Unparseable input is
/// returned unchanged, as in Liquid.
/// </summary>
internal static class DateFilter
{
    public static FilterDef Definition { get; } = new("date", 1, 1, Format);

    private static object? Format(RenderContext ctx, object? input, FilterArgs args)
    {
        var format = args.Text(0, ctx);
        if (input is null || format.Length == 0)
        {
            return input;
        }

        if (input is string { Length: < 16 } s && s.Trim().ToLowerInvariant() is "now" or "today")
        {
            throw TemplateFailure.Runtime("filter 'date': 'now' is not supported; templates must be deterministic");
        }

        return Parse(input) is { } date ? ctx.Checked(Strftime(date, format)) : input;
    }

    internal static DateTimeOffset? Parse(object? input)
    {
        if (input is string text && long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            input = seconds;
        }

        // What DateTimeOffset can hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z (anything else is not a date).
        const long MinSeconds = -62_135_596_800;
        const long MaxSeconds = 253_402_300_799;
        switch (input is NumberText n ? n.Value : input)
        {
            case long l when l is >= MinSeconds and <= MaxSeconds:
                return DateTimeOffset.FromUnixTimeSeconds(l);
            case double d when d >= MinSeconds && d <= MaxSeconds:
                return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(d * 1000));
            case string s:
                return DateTimeOffset.TryParse(WithColonOffset(s.Trim()), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                    ? date : null;
            default:
                return null;
        }
    }

    /// <summary>strftime subset: %Y %y %m %d %e %j %H %I %M %S %L %p %z %s %F %T %b %B %a %A %%; "-" drops padding.</summary>
    private static string Strftime(DateTimeOffset date, string format)
    {
        var output = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                output.Append(format[i]);
                continue;
            }

            var noPad = format[i + 1] == '-' && i + 2 < format.Length;
            var directive = format[noPad ? i + 2 : i + 1];
            var field = Field(date, directive);
            if (field is null)
            {
                output.Append(format[i]);
                continue;
            }

            output.Append(noPad && field.Length > 1 ? field.TrimStart('0').PadLeft(1, '0') : field);
            i += noPad ? 2 : 1;
        }

        return output.ToString();
    }

    private static string? Field(DateTimeOffset d, char directive)
    {
        var c = CultureInfo.InvariantCulture;
        return directive switch
        {
            'Y' => d.Year.ToString("0000", c),
            'y' => d.ToString("yy", c),
            'm' => d.ToString("MM", c),
            'd' => d.ToString("dd", c),
            'e' => d.Day.ToString(c).PadLeft(2, ' '),
            'j' => d.DayOfYear.ToString("000", c),
            'H' => d.ToString("HH", c),
            'I' => d.ToString("hh", c),
            'M' => d.ToString("mm", c),
            'S' => d.ToString("ss", c),
            'L' => d.ToString("fff", c),
            'p' => d.Hour < 12 ? "AM" : "PM",
            'z' => (d.Offset < TimeSpan.Zero ? "-" : "+") + d.Offset.Duration().ToString("hhmm", c),
            's' => d.ToUnixTimeSeconds().ToString(c),
            'F' => d.ToString("yyyy-MM-dd", c),
            'T' => d.ToString("HH:mm:ss", c),
            'b' => d.ToString("MMM", c),
            'B' => d.ToString("MMMM", c),
            'a' => d.ToString("ddd", c),
            'A' => d.ToString("dddd", c),
            '%' => "%",
            _ => null,
        };
    }

    /// <summary>Jira writes offsets as <c>+0000</c>; .NET wants <c>+00:00</c>.</summary>
    private static string WithColonOffset(string s)
    {
        var sign = s.Length - 5;
        var compact = sign > 0 && s[sign] is '+' or '-' && char.IsAsciiDigit(s[sign - 1])
            && s.AsSpan(sign + 1).ContainsAnyExceptInRange('0', '9') is false && s.Contains('T', StringComparison.Ordinal);
        return compact ? string.Concat(s.AsSpan(0, sign + 3), ":", s.AsSpan(sign + 3)) : s;
    }
}
