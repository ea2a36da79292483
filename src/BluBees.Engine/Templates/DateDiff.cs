using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// <c>diff</c>: Jira's <c>date.diff(other)</c> with its units as members (<c>{{ a | diff: b | map… }}</c>, or
/// <c>a.diff(b).days</c>). Whole units, truncated toward zero, positive when <c>other</c> is later.
/// </summary>
internal static class DateDiff
{
    public static JsonObject Between(DateTimeOffset from, DateTimeOffset to)
    {
        var span = to - from;
        var months = Months(from, to);
        return new JsonObject
        {
            ["millis"] = (long)span.TotalMilliseconds,
            ["seconds"] = (long)span.TotalSeconds,
            ["minutes"] = (long)span.TotalMinutes,
            ["hours"] = (long)span.TotalHours,
            ["days"] = (long)span.TotalDays,
            ["weeks"] = (long)(span.TotalDays / 7),
            ["months"] = months,
            ["years"] = months / 12,
            ["businessDays"] = BusinessDays.Between(from, to),
        };
    }

    private static long Months(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from)
        {
            return -Months(to, from);
        }

        var a = from.UtcDateTime;
        var b = to.UtcDateTime;
        var months = ((b.Year - a.Year) * 12L) + b.Month - a.Month;
        return months > 0 && a.AddMonths((int)months) > b ? months - 1 : months;
    }
}
