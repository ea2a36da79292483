using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// Jira Automation's date functions as Liquid filters (<c>plus_days</c> for <c>plusDays</c>, …). Input that is not a
/// date gives nil, as Jira renders an invalid date as empty; bad arguments and dates beyond year 9999 are runtime
/// errors that name the filter, never the data. Every result is a <see cref="JiraDates"/> string, so filters chain.
/// Business days are Monday to Friday (no holiday calendars).
/// </summary>
internal static class DateMathFilters
{
    public static IEnumerable<FilterDef> All { get; } =
    [
        .. Shift("seconds", (d, n) => d.AddSeconds(n)),
        .. Shift("minutes", (d, n) => d.AddMinutes(n)),
        .. Shift("hours", (d, n) => d.AddHours(n)),
        .. Shift("days", (d, n) => d.AddDays(n)),
        .. Shift("weeks", (d, n) => d.AddDays(7 * n)),
        .. Shift("months", (d, n) => d.AddMonths(checked((int)n))),
        .. Shift("years", (d, n) => d.AddYears(checked((int)n))),
        .. Shift("business_days", BusinessDays.Add),
        Unary("start_of_day", d => d.Add(-d.TimeOfDay)),
        Unary("end_of_day", d => d.Add(-d.TimeOfDay).AddDays(1).AddTicks(-TimeSpan.TicksPerMillisecond)),
        Unary("start_of_month", d => new DateTimeOffset(d.Year, d.Month, 1, 0, 0, 0, d.Offset)),
        Unary("end_of_month", d => new DateTimeOffset(d.Year, d.Month, 1, 0, 0, 0, d.Offset).AddMonths(1).AddTicks(-TimeSpan.TicksPerMillisecond)),
        Unary("first_business_day_of_month", d => BusinessDays.Forward(new DateTimeOffset(d.Year, d.Month, 1, d.Hour, d.Minute, d.Second, d.Offset))),
        Unary("last_business_day_of_month", d => BusinessDays.Backward(new DateTimeOffset(d.Year, d.Month, DateTime.DaysInMonth(d.Year, d.Month), d.Hour, d.Minute, d.Second, d.Offset))),
        Unary("to_business_day", BusinessDays.Forward),
        Unary("to_business_day_backwards", BusinessDays.Backward),
        new("format", 1, 1, (c, i, a) => Formatted(c, i, a.Text(0, c))),
        new("jira_date", 0, 0, (c, i, _) => Formatted(c, i, "jiraDate")),
        new("jira_date_time", 0, 0, (c, i, _) => Formatted(c, i, "jiraDateTime")),
        new("jql_date", 0, 0, (c, i, _) => Formatted(c, i, "jqlDate")),
        new("jql_date_time", 0, 0, (c, i, _) => Formatted(c, i, "jqlDateTime")),
        new("to_date", 0, 1, ToDate),
        new("convert_to_time_zone", 1, 1, (c, i, a) => Map(i, d => TimeZoneInfo.ConvertTime(d, Zones.Find("convert_to_time_zone", a.Text(0, c))), "convert_to_time_zone")),
        new("set_time_zone", 1, 1, (c, i, a) => Map(i, d => Zones.Keep(d, Zones.Find("set_time_zone", a.Text(0, c))), "set_time_zone")),
        new("diff", 1, 1, (_, i, a) => JiraDates.Parse(i) is { } from && JiraDates.Parse(a[0]) is { } to ? DateDiff.Between(from, to) : null),
        Compare("is_after", r => r > 0),
        Compare("is_before", r => r < 0),
        Compare("is_equals", r => r == 0),
        new("compare_to", 1, 1, (_, i, a) => JiraDates.Parse(i) is { } x && JiraDates.Parse(a[0]) is { } y ? (long)Math.Sign(x.CompareTo(y)) : null),
    ];

    private static IEnumerable<FilterDef> Shift(string unit, Func<DateTimeOffset, long, DateTimeOffset> add)
    {
        yield return new FilterDef("plus_" + unit, 1, 1, (_, i, a) => Add("plus_" + unit, i, a.Integer(0, 0), add));
        yield return new FilterDef("minus_" + unit, 1, 1, (_, i, a) => Add("minus_" + unit, i, checked(-a.Integer(0, 0)), add));
    }

    private static object? Add(string name, object? input, long amount, Func<DateTimeOffset, long, DateTimeOffset> add) =>
        Map(input, d => add(d, amount), name);

    private static FilterDef Unary(string name, Func<DateTimeOffset, DateTimeOffset> change) =>
        new(name, 0, 0, (_, i, _) => Map(i, change, name));

    private static FilterDef Compare(string name, Func<int, bool> test) =>
        new(name, 1, 1, (_, i, a) => JiraDates.Parse(i) is { } x && JiraDates.Parse(a[0]) is { } y ? test(x.CompareTo(y)) : null);

    /// <summary>Applies a change to a date input; nil for non-dates; out-of-range results are runtime errors.</summary>
    private static object? Map(object? input, Func<DateTimeOffset, DateTimeOffset> change, string name)
    {
        if (JiraDates.Parse(input) is not { } date)
        {
            return null;
        }

        try
        {
            return JiraDates.Text(change(date));
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or ArgumentException or OverflowException)
        {
            throw TemplateFailure.Runtime($"filter '{name}': the resulting date is out of range");
        }
    }

    private static object? Formatted(RenderContext ctx, object? input, string pattern) =>
        JiraDates.Parse(input) is { } date ? ctx.Checked(JiraDates.Format(date, pattern)) : null;

    /// <summary><c>to_date</c>: a date from text, with an optional Java pattern (<c>"dd/MM/yyyy"</c>) for non-ISO text.</summary>
    private static object? ToDate(RenderContext ctx, object? input, FilterArgs args)
    {
        if (args.Count == 0 || args[0] is null)
        {
            return JiraDates.Parse(input) is { } date ? JiraDates.Text(date) : null;
        }

        return input is string text && JavaPatternParser.TryParse(text.Trim(), args.Text(0, ctx), out var parsed) ? JiraDates.Text(parsed) : null;
    }

    /// <summary>Time zones by IANA name (e.g. <c>Europe/Berlin</c>), DST included.</summary>
    private static class Zones
    {
        public static TimeZoneInfo Find(string filter, string id)
        {
            // Only real IANA ids: a host file such as "localtime" would make a template's output depend on the machine.
            return BluBees.Engine.Common.IanaZones.TryFind(id, out var zone)
                ? zone
                : throw TemplateFailure.Runtime($"filter '{filter}': unknown time zone (use an IANA name such as Europe/Berlin)");
        }

        /// <summary>The same wall-clock time in <paramref name="zone"/>; a time skipped by a DST change moves forward by the gap.</summary>
        public static DateTimeOffset Keep(DateTimeOffset date, TimeZoneInfo zone)
        {
            var local = date.DateTime;
            if (zone.IsInvalidTime(local))
            {
                local = local.AddHours(1);
            }

            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }
    }
}
