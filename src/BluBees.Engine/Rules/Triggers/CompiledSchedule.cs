using Cronos;

namespace BluBees.Engine.Rules.Triggers;

/// <summary>
/// A validated schedule: either the legacy <see cref="EveryHours"/> (fired by elapsed time) or a cron expression in
/// a time zone (fired per occurrence; Cronos resolves DST: a local time skipped by a spring-forward fires at the
/// jump, an hour repeated by a fall-back fires once, interval fields keep firing through both).
/// </summary>
public sealed class CompiledSchedule
{
    private readonly CronExpression? _cron;

    private CompiledSchedule(int everyHours, CronExpression? cron, string? cronText, TimeZoneInfo zone, string? jql, int maxIssues)
    {
        EveryHours = everyHours;
        _cron = cron;
        CronText = cronText;
        Zone = zone;
        Jql = jql;
        MaxIssues = maxIssues;
    }

    /// <summary>Hours between fires of a legacy schedule; 0 for a cron schedule.</summary>
    public int EveryHours { get; }

    public bool IsCron => _cron is not null;

    public string? CronText { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>"For each issue matching": the rule runs once per matching issue at each occurrence.</summary>
    public string? Jql { get; }

    public int MaxIssues { get; }

    public static CompiledSchedule Interval(int everyHours) => new(everyHours, null, null, TimeZoneInfo.Utc, null, 0);

    public static CompiledSchedule Cron(CronExpression cron, string cronText, TimeZoneInfo zone, string? jql, int maxIssues)
        => new(0, cron, cronText, zone, jql, maxIssues);

    /// <summary>The occurrences in (<paramref name="fromExclusive"/>, <paramref name="toInclusive"/>], oldest first.</summary>
    public IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset fromExclusive, DateTimeOffset toInclusive)
        => _cron is null || toInclusive <= fromExclusive
            ? []
            : _cron.GetOccurrences(fromExclusive, toInclusive, Zone, fromInclusive: false, toInclusive: true).Select(o => o.ToUniversalTime());

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="after"/> (fewer when the expression runs out).</summary>
    public IReadOnlyList<DateTimeOffset> Next(DateTimeOffset after, int count)
    {
        var result = new List<DateTimeOffset>(count);
        var from = after;
        while (_cron is not null && result.Count < count && _cron.GetNextOccurrence(from, Zone, inclusive: false) is { } next)
        {
            result.Add(next.ToUniversalTime());
            from = next;
        }

        return result;
    }
}
