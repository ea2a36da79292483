using System.Globalization;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Scheduling;

/// <summary>
/// <c>GET /api/schedules/next?cron=…&amp;timeZone=…&amp;count=5</c>: the next run times of a cron schedule, for the rule
/// builder to show while the admin types. Same validation (and field names in errors) as a saved rule's schedule.
/// </summary>
internal static class NextRunsEndpoint
{
    public const int DefaultCount = 5;
    public const int MaxCount = 20;

    public static Results<Ok<NextRunsResponse>, InvalidProblem> Get(string? cron, string? timeZone, string? count, TimeProvider time)
    {
        var errors = new ValidationErrors();
        var n = DefaultCount;
        if (count is not null && (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > MaxCount))
        {
            errors.Add("count", $"must be a whole number from 1 to {MaxCount} (default {DefaultCount})");
        }

        var (expression, zone) = ScheduleCompiler.ParseCron(cron, string.IsNullOrEmpty(timeZone) ? null : timeZone, "trigger.schedule.cron", "trigger.schedule.timeZone", errors);
        if (!errors.IsEmpty || expression is null || zone is null)
        {
            return Problems.Invalid(errors);
        }

        var schedule = CompiledSchedule.Cron(expression, cron!.Trim(), zone, null, ScheduleCompiler.DefaultMaxIssues);
        var next = schedule.Next(time.GetUtcNow(), n)
            .Select(o => new NextRun(o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), TimeZoneInfo.ConvertTime(o, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)))
            .ToList();
        return TypedResults.Ok(new NextRunsResponse(schedule.CronText!, zone.Id, next));
    }
}

/// <summary>The next run times, in UTC and as local time (with offset) in the schedule's time zone.</summary>
internal sealed record NextRunsResponse(string Cron, string TimeZone, IReadOnlyList<NextRun> Next);

/// <summary>One run time.</summary>
internal sealed record NextRun(string Utc, string Local);
