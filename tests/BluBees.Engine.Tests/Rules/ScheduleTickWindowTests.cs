using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// A cron is fired tick by tick: each tick asks for the occurrences in (previous tick, now]. Across a DST change the
/// windows' union must hold each wall-clock occurrence once, whatever window boundary falls inside the repeated hour.
/// </summary>
public sealed class ScheduleTickWindowTests
{
    private static CompiledSchedule Valid(string cron, string zone)
    {
        var errors = new ValidationErrors();
        var trigger = TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>($$"""{ "type": "schedule", "schedule": { "cron": "{{cron}}", "timeZone": "{{zone}}" } }"""), errors);
        Assert.That(errors.IsEmpty, Is.True);
        return trigger!.Schedule!;
    }

    /// <summary>What ticks every <paramref name="tick"/> fire, and what one window over the same span holds.</summary>
    private static (List<DateTimeOffset> Fired, List<DateTimeOffset> Whole) FireByTicks(CompiledSchedule schedule, DateTimeOffset start, DateTimeOffset end, TimeSpan tick)
    {
        var fired = new List<DateTimeOffset>();
        var cursor = start;
        for (var now = cursor + tick; now <= end; now += tick)
        {
            fired.AddRange(schedule.Occurrences(cursor, now));
            cursor = now;
        }

        return (fired, schedule.Occurrences(start, cursor).ToList());
    }

    [TestCase("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 1)]
    [TestCase("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 1)]
    [TestCase("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 1)]
    [TestCase("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 1)]
    [TestCase("0 * * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 24)]
    [TestCase("*/5 * * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 288)]
    [TestCase("30 2 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 1)]
    [TestCase("30 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 1)]
    public void Ticks_across_a_DST_day_fire_each_occurrence_once(string cron, string zone, string startIso, int perDay)
    {
        var schedule = Valid(cron, zone);
        var start = DateTimeOffset.Parse(startIso, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var tick in new[] { TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(13) })
        {
            for (var offsetMinutes = 0; offsetMinutes < 13; offsetMinutes++)
            {
                var from = start + TimeSpan.FromMinutes(offsetMinutes);
                var (fired, whole) = FireByTicks(schedule, from, from + TimeSpan.FromHours(25), tick);
                var context = $"tick {tick}, offset {offsetMinutes}: {string.Join(", ", fired.Select(f => f.ToString("u")))}";
                Assert.That(fired, Is.Unique, context);
                Assert.That(fired, Is.EqualTo(whole), context);
                Assert.That(fired, Has.Count.InRange(perDay, perDay == 1 ? 1 : perDay + (perDay / 24) + 1), context);
            }
        }
    }
}
