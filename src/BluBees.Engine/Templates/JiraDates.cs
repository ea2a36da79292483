using System.Globalization;
using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>
/// Dates for the Jira-style date filters. The engine has no date type: a date is a string, and every date filter
/// writes Jira's REST date-time form <c>yyyy-MM-dd'T'HH:mm:ss.SSSZ</c> (e.g. <c>2020-08-18T02:40:37.000+0000</c>),
/// which Jira date-time fields accept and every date filter reads back. Patterns follow Java's
/// <c>DateTimeFormatter</c> letters, as Jira Automation's <c>format("…")</c> does
/// (https://support.atlassian.com/cloud-automation/docs/jira-smart-values-date-and-time/).
/// </summary>
internal static class JiraDates
{
    /// <summary>Jira REST's date-time form (and the text of <c>{{now}}</c>).</summary>
    public const string DateTimePattern = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";

    /// <summary>Longest pattern accepted; a pattern is template text, not a place for bulk work.</summary>
    private const int MaxPatternChars = 256;

    /// <summary>
    /// The named formats of Jira Automation's date smart values, as Java patterns in the US locale (Jira's default;
    /// locales are not supported). From the format table on the page cited above.
    /// </summary>
    private static readonly Dictionary<string, string> Named = new(StringComparer.Ordinal)
    {
        ["jiraDate"] = "yyyy-MM-dd",
        ["jiraDateTime"] = DateTimePattern,
        ["jqlDate"] = "yyyy-MM-dd",
        ["jqlDateTime"] = "yyyy-MM-dd HH:mm",
        ["shortDate"] = "M/d/yy",
        ["shortTime"] = "h:mm a",
        ["shortDateTime"] = "M/d/yy h:mm a",
        ["mediumDate"] = "MMM d, yyyy",
        ["mediumTime"] = "h:mm:ss a",
        ["mediumDateTime"] = "MMM d, yyyy h:mm:ss a",
        ["longDate"] = "MMMM d, yyyy",
        ["longTime"] = "h:mm:ss a z",
        ["longDateTime"] = "MMMM d, yyyy h:mm:ss a z",
        ["fullDate"] = "EEEE, MMMM d, yyyy",
        ["fullTime"] = "h:mm:ss a z",
        ["fullDateTime"] = "EEEE, MMMM d, yyyy h:mm:ss a z",
    };

    public static IReadOnlyCollection<string> NamedFormats => Named.Keys;

    /// <summary>A date from an ISO-8601 string (Jira's <c>+0000</c> offsets and date-only values included) or Unix seconds; null otherwise.</summary>
    public static DateTimeOffset? Parse(object? input) => DateFilter.Parse(input);

    public static string Text(DateTimeOffset date) => Format(date, DateTimePattern);

    /// <summary>Formats with a named format or a Java pattern; a pattern letter outside the supported set is a runtime error.</summary>
    public static string Format(DateTimeOffset date, string pattern)
    {
        if (Named.TryGetValue(pattern, out var named))
        {
            pattern = named;
        }

        if (pattern.Length > MaxPatternChars)
        {
            throw TemplateFailure.Runtime($"filter 'format': the pattern is longer than {MaxPatternChars} characters");
        }

        var output = new StringBuilder(pattern.Length + 16);
        for (var i = 0; i < pattern.Length;)
        {
            var c = pattern[i];
            if (c == '\'')
            {
                i = Quoted(pattern, i, output);
                continue;
            }

            if (!char.IsAsciiLetter(c))
            {
                output.Append(c);
                i++;
                continue;
            }

            var count = 1;
            while (i + count < pattern.Length && pattern[i + count] == c)
            {
                count++;
            }

            output.Append(Field(date, c, count)
                ?? throw TemplateFailure.Runtime("filter 'format': the pattern uses a letter that is not supported (use y M d D E u a H h k K m s S z Z X x, quote literal text with ')"));
            i += count;
        }

        return output.ToString();
    }

    /// <summary>Java quoting: <c>'text'</c> is literal, <c>''</c> is one quote (inside quoted text too).</summary>
    private static int Quoted(string pattern, int i, StringBuilder output)
    {
        if (i + 1 < pattern.Length && pattern[i + 1] == '\'')
        {
            output.Append('\'');
            return i + 2;
        }

        for (var j = i + 1; j < pattern.Length; j++)
        {
            if (pattern[j] != '\'')
            {
                output.Append(pattern[j]);
            }
            else if (j + 1 < pattern.Length && pattern[j + 1] == '\'')
            {
                output.Append('\'');
                j++;
            }
            else
            {
                return j + 1;
            }
        }

        throw TemplateFailure.Runtime("filter 'format': the pattern has an unclosed quote");
    }

    private static string? Field(DateTimeOffset d, char letter, int count)
    {
        var c = CultureInfo.InvariantCulture;
        return letter switch
        {
            'y' or 'u' => count == 2 ? (d.Year % 100).ToString("00", c) : Pad(d.Year, count),
            'M' or 'L' => count switch
            {
                1 or 2 => Pad(d.Month, count),
                3 => c.DateTimeFormat.GetAbbreviatedMonthName(d.Month),
                _ => c.DateTimeFormat.GetMonthName(d.Month),
            },
            'd' => Pad(d.Day, count),
            'D' => Pad(d.DayOfYear, count),
            'E' => count >= 4 ? c.DateTimeFormat.GetDayName(d.DayOfWeek) : c.DateTimeFormat.GetAbbreviatedDayName(d.DayOfWeek),
            'e' => Pad(d.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)d.DayOfWeek, count),
            'a' => d.Hour < 12 ? "AM" : "PM",
            'H' => Pad(d.Hour, count),
            'k' => Pad(d.Hour == 0 ? 24 : d.Hour, count),
            'h' => Pad(d.Hour % 12 == 0 ? 12 : d.Hour % 12, count),
            'K' => Pad(d.Hour % 12, count),
            'm' => Pad(d.Minute, count),
            's' => Pad(d.Second, count),
            'S' => Fraction(d, count),
            'Z' => count >= 4 ? "GMT" + Offset(d.Offset, colon: true, zulu: false) : Offset(d.Offset, colon: false, zulu: false),
            'X' => count == 1 ? Short(d.Offset, zulu: true) : Offset(d.Offset, colon: count >= 3, zulu: true),
            'x' => count == 1 ? Short(d.Offset, zulu: false) : Offset(d.Offset, colon: count >= 3, zulu: false),
            'z' or 'O' => d.Offset == TimeSpan.Zero ? "UTC" : "GMT" + Offset(d.Offset, colon: true, zulu: false),
            _ => null,
        };
    }

    private static string Pad(int value, int count) =>
        value.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Min(count, 19), '0');

    /// <summary>Fraction of a second to <paramref name="count"/> digits (up to 7, .NET's tick precision; zeros after).</summary>
    private static string Fraction(DateTimeOffset d, int count)
    {
        var digits = (d.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture);
        return count <= 7 ? digits[..count] : digits + new string('0', Math.Min(count, 19) - 7);
    }

    private static string Offset(TimeSpan offset, bool colon, bool zulu)
    {
        if (zulu && offset == TimeSpan.Zero)
        {
            return "Z";
        }

        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + (colon ? ":" : "") + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    private static string Short(TimeSpan offset, bool zulu)
    {
        var full = Offset(offset, colon: false, zulu);
        return full == "Z" || offset.Minutes != 0 ? full : full[..3];
    }
}
