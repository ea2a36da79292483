namespace BluBees.Engine.Templates;

/// <summary>Monday-to-Friday arithmetic in O(1) (no loop over the amount, so a huge argument costs nothing extra).</summary>
internal static class BusinessDays
{
    public static bool IsWeekend(DateTimeOffset d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    /// <summary>The date itself on a business day, else the next Monday (Jira's <c>toBusinessDay</c>).</summary>
    public static DateTimeOffset Forward(DateTimeOffset d) =>
        d.DayOfWeek switch { DayOfWeek.Saturday => d.AddDays(2), DayOfWeek.Sunday => d.AddDays(1), _ => d };

    /// <summary>The date itself on a business day, else the Friday before (Jira's <c>toBusinessDayBackwards</c>).</summary>
    public static DateTimeOffset Backward(DateTimeOffset d) =>
        d.DayOfWeek switch { DayOfWeek.Saturday => d.AddDays(-1), DayOfWeek.Sunday => d.AddDays(-2), _ => d };

    /// <summary>Adds <paramref name="n"/> business days: a weekend start counts from the Friday before (forward) or the Monday after (backward).</summary>
    public static DateTimeOffset Add(DateTimeOffset d, long n)
    {
        if (n == 0)
        {
            return d;
        }

        var step = n > 0 ? 1 : -1;
        d = n > 0 ? Backward(d) : Forward(d);
        var weeks = Math.Abs(n) / 5;
        var rest = Math.Abs(n) % 5;
        d = d.AddDays(checked(weeks * 7 * step));
        while (rest > 0)
        {
            d = d.AddDays(step);
            if (!IsWeekend(d))
            {
                rest--;
            }
        }

        return d;
    }

    /// <summary>Business days from <paramref name="from"/> to <paramref name="to"/> (negative when <paramref name="to"/> is earlier).</summary>
    public static long Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from)
        {
            return -Between(to, from);
        }

        var start = from.UtcDateTime.Date;
        var days = (long)(to.UtcDateTime.Date - start).TotalDays;
        var count = days / 7 * 5;
        for (var i = days / 7 * 7; i < days; i++)
        {
            if (start.AddDays(i).DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                count++;
            }
        }

        return count;
    }
}
