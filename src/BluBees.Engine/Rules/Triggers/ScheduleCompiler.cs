using Cronos;
using BluBees.Engine.Common;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Rules.Triggers;

/// <summary>
/// Validates <c>trigger.schedule</c>: exactly one of <c>everyHours</c> (1–168, legacy) or <c>cron</c> (5 fields,
/// with an optional IANA <c>timeZone</c>, default UTC), and for cron an optional <c>jql</c> with <c>maxIssues</c>.
/// </summary>
public static class ScheduleCompiler
{
    /// <summary>
    /// The shortest gap between two occurrences. Forge's shortest scheduled-trigger interval is <c>fiveMinute</c>
    /// (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/), so a tick
    /// arrives about every 5 minutes: two occurrences closer than that would fire together in one tick.
    /// </summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(5);

    public const int DefaultMaxIssues = 100;
    public const int MaxMaxIssues = 1000;
    public const int MaxJqlLength = 2000;
    private const int MaxCronLength = 100;
    private const int MaxZoneLength = 64;

    /// <summary>How far the frequency check looks (a leap year, so every month and DST change is seen once).</summary>
    private static readonly TimeSpan ProbeSpan = TimeSpan.FromDays(366);
    private const int ProbeOccurrences = 5000;
    private static readonly DateTimeOffset ProbeStart = new(2028, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static CompiledSchedule? Compile(ScheduleDefinition? schedule, ValidationErrors errors)
    {
        const string path = "trigger.schedule";
        var hasCron = schedule?.Cron is not null;
        var hasHours = schedule?.EveryHours is not null;
        if (hasCron == hasHours)
        {
            errors.Add(
                hasCron ? path : path + ".cron",
                hasCron ? "give either cron or everyHours, not both" : "is required for a schedule: a 5-field cron expression such as \"0 9 * * 1-5\" (or the older everyHours: 1 to 168)");
            return null;
        }

        if (hasHours)
        {
            var everyHours = schedule!.EveryHours!.Value;
            if (everyHours is < 1 or > 24 * 7)
            {
                errors.Add(path + ".everyHours", "is required for a schedule: a whole number of hours from 1 to 168");
                return null;
            }

            ForbidForCron(schedule, errors);
            return errors.IsEmpty ? CompiledSchedule.Interval(everyHours) : null;
        }

        var (cron, zone) = ParseCron(schedule!.Cron, schedule.TimeZone, path + ".cron", path + ".timeZone", errors);
        string? jql = null;
        if (schedule.Jql is not null)
        {
            jql = schedule.Jql.Trim();
            if (jql.Length is 0 or > MaxJqlLength)
            {
                errors.Add(path + ".jql", $"must be a JQL query of 1 to {MaxJqlLength} characters");
            }
        }

        var maxIssues = schedule.MaxIssues ?? DefaultMaxIssues;
        if (maxIssues is < 1 or > MaxMaxIssues)
        {
            errors.Add(path + ".maxIssues", $"must be a whole number from 1 to {MaxMaxIssues} (default {DefaultMaxIssues})");
        }
        else if (schedule.MaxIssues is not null && jql is null)
        {
            errors.Add(path + ".maxIssues", "applies only with a jql");
        }

        return cron is not null && zone is not null && errors.IsEmpty ? CompiledSchedule.Cron(cron, schedule.Cron!.Trim(), zone, jql, maxIssues) : null;
    }

    /// <summary>Parses a cron expression and time zone, naming <paramref name="cronPath"/> / <paramref name="zonePath"/> in errors.</summary>
    public static (CronExpression? Cron, TimeZoneInfo? Zone) ParseCron(string? text, string? zoneId, string cronPath, string zonePath, ValidationErrors errors)
    {
        var zone = Zone(zoneId, zonePath, errors);
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxCronLength)
        {
            errors.Add(cronPath, $"is required: a 5-field cron expression (minute hour day-of-month month day-of-week) of at most {MaxCronLength} characters, e.g. \"0 9 * * 1-5\"");
            return (null, zone);
        }

        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(text.Trim(), CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            // Cronos's message names the faulty field of the expression the admin typed; it carries no secret.
            errors.Add(cronPath, $"is not a valid 5-field cron expression (minute hour day-of-month month day-of-week): {e.Message}");
            return (null, zone);
        }
        catch (MissingSeedException)
        {
            // Cronos reads H as a hashed ("jitter") value only with a seed; schedules are exact, so H is refused.
            errors.Add(cronPath, "uses H (a hashed value), which is not supported: give the minute and hour as numbers, e.g. \"7 9 * * 1-5\"");
            return (null, zone);
        }

        var probeZone = zone ?? TimeZoneInfo.Utc;
        if (cron.GetNextOccurrence(ProbeStart, probeZone) is null && cron.GetNextOccurrence(ProbeStart.AddYears(-2), probeZone) is null)
        {
            errors.Add(cronPath, "never occurs (no such date, e.g. 30 February)");
            return (null, zone);
        }

        if (ShortestGap(cron, probeZone) is { } gap && gap < MinimumInterval)
        {
            errors.Add(cronPath, $"fires more often than every {MinimumInterval.TotalMinutes:0} minutes (here {gap.TotalMinutes:0.#} minutes apart): the scheduler ticks every 5 minutes (Forge's shortest scheduled-trigger interval)");
            return (null, zone);
        }

        return (cron, zone);
    }

    private static TimeZoneInfo? Zone(string? zoneId, string zonePath, ValidationErrors errors)
    {
        if (zoneId is null)
        {
            return TimeZoneInfo.Utc;
        }

        // IANA ids only ("Europe/Berlin", "UTC"): the form the UI offers and every platform resolves the same way (a
        // host file such as "localtime" is not one; see IanaZones).
        if (zoneId.Length <= MaxZoneLength && IanaZones.TryFind(zoneId, out var zone))
        {
            return zone;
        }

        errors.Add(zonePath, "must be an IANA time zone id such as Europe/Berlin or America/New_York (default UTC)");
        return null;
    }

    /// <summary>
    /// The smallest gap between consecutive occurrences over a year, or null with fewer than two. The walk from the
    /// year's start stops after <see cref="ProbeOccurrences"/> (a frequent cron reaches it within weeks), so the days
    /// around each of the zone's offset changes are walked as well: a spring-forward can bring two occurrences closer
    /// than they are on any other day (01:58 and 03:00 are 2 minutes apart when 02:00 becomes 03:00).
    /// </summary>
    private static TimeSpan? ShortestGap(CronExpression cron, TimeZoneInfo zone)
    {
        var shortest = ShortestGap(cron, zone, ProbeStart, ProbeStart + ProbeSpan);
        foreach (var change in OffsetChanges(zone))
        {
            if (shortest < MinimumInterval)
            {
                break;
            }

            if (ShortestGap(cron, zone, change - TimeSpan.FromDays(2), change + TimeSpan.FromDays(1)) is { } gap && (shortest is null || gap < shortest))
            {
                shortest = gap;
            }
        }

        return shortest;
    }

    /// <summary>The smallest gap between consecutive occurrences in [from, to] (at most <see cref="ProbeOccurrences"/>).</summary>
    private static TimeSpan? ShortestGap(CronExpression cron, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to)
    {
        TimeSpan? shortest = null;
        DateTimeOffset? previous = null;
        var seen = 0;
        foreach (var occurrence in cron.GetOccurrences(from, to, zone))
        {
            if (previous is { } p && (shortest is null || occurrence - p < shortest))
            {
                shortest = occurrence - p;
                if (shortest < MinimumInterval)
                {
                    break;
                }
            }

            previous = occurrence;
            if (++seen >= ProbeOccurrences)
            {
                break;
            }
        }

        return shortest;
    }

    /// <summary>The first midnight (UTC) after each change of the zone's UTC offset in the probed year.</summary>
    private static IEnumerable<DateTimeOffset> OffsetChanges(TimeZoneInfo zone)
    {
        var offset = zone.GetUtcOffset(ProbeStart);
        for (var day = ProbeStart.AddDays(1); day <= ProbeStart + ProbeSpan; day = day.AddDays(1))
        {
            var next = zone.GetUtcOffset(day);
            if (next != offset)
            {
                offset = next;
                yield return day;
            }
        }
    }

    private static void ForbidForCron(ScheduleDefinition schedule, ValidationErrors errors)
    {
        if (schedule.TimeZone is not null)
        {
            errors.Add("trigger.schedule.timeZone", "applies only to a cron schedule");
        }

        if (schedule.Jql is not null)
        {
            errors.Add("trigger.schedule.jql", "applies only to a cron schedule");
        }

        if (schedule.MaxIssues is not null)
        {
            errors.Add("trigger.schedule.maxIssues", "applies only to a cron schedule");
        }
    }
}
