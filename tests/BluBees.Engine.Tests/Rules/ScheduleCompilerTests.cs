using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// <c>trigger.schedule</c>: a 5-field cron in an IANA time zone (Cronos resolves DST), or the older everyHours;
/// errors name the field; schedules more frequent than the 5-minute tick are refused.
/// </summary>
public sealed class ScheduleCompilerTests
{
    private static (CompiledSchedule? Schedule, IDictionary<string, string[]> Errors) Compile(string scheduleJson)
    {
        var errors = new ValidationErrors();
        var trigger = TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>($$"""{ "type": "schedule", "schedule": {{scheduleJson}} }"""), errors);
        Assert.That(trigger is null, Is.EqualTo(!errors.IsEmpty));
        return (trigger?.Schedule, errors.ToDictionary());
    }

    private static CompiledSchedule Valid(string scheduleJson)
    {
        var (schedule, errors) = Compile(scheduleJson);
        Assert.That(errors, Is.Empty);
        return schedule!;
    }

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Test]
    public void A_cron_defaults_to_UTC_and_fires_at_each_occurrence()
    {
        var schedule = Valid("""{ "cron": "0 9 * * 1-5" }""");

        Assert.Multiple(() =>
        {
            Assert.That(schedule.IsCron, Is.True);
            Assert.That(schedule.Zone, Is.EqualTo(TimeZoneInfo.Utc));
            Assert.That(schedule.EveryHours, Is.Zero);
            // Friday 2026-12-04 09:00Z, then Monday 2026-12-07 09:00Z (weekend skipped).
            Assert.That(schedule.Next(Utc("2026-12-04T08:00:00Z"), 2), Is.EqualTo(new[] { Utc("2026-12-04T09:00:00Z"), Utc("2026-12-07T09:00:00Z") }));
            Assert.That(schedule.Occurrences(Utc("2026-12-04T09:00:00Z"), Utc("2026-12-07T09:00:00Z")), Is.EqualTo(new[] { Utc("2026-12-07T09:00:00Z") }), "(from, to]: the start is excluded, the end included");
        });
    }

    [Test]
    public void The_older_everyHours_schedule_still_compiles()
    {
        var schedule = Valid("""{ "everyHours": 6 }""");

        Assert.That((schedule.IsCron, schedule.EveryHours), Is.EqualTo((false, 6)));
    }

    [Test]
    public void Daylight_saving_spring_forward_fires_a_skipped_local_time_once_at_the_jump()
    {
        // Berlin, 2026-03-29: 02:00 local jumps to 03:00; 02:30 does not exist that day.
        var schedule = Valid("""{ "cron": "30 2 * * *", "timeZone": "Europe/Berlin" }""");

        var fired = schedule.Occurrences(Utc("2026-03-28T00:00:00Z"), Utc("2026-03-30T12:00:00Z")).ToList();

        Assert.That(fired, Is.EqualTo(new[] { Utc("2026-03-28T01:30:00Z"), Utc("2026-03-29T01:00:00Z"), Utc("2026-03-30T00:30:00Z") }));
    }

    [Test]
    public void Daylight_saving_fall_back_fires_a_repeated_local_time_once_and_an_hourly_cron_every_real_hour()
    {
        // Berlin, 2026-10-25: 03:00 local falls back to 02:00, so 02:00–02:59 happens twice.
        var daily = Valid("""{ "cron": "30 2 * * *", "timeZone": "Europe/Berlin" }""");
        var hourly = Valid("""{ "cron": "0 * * * *", "timeZone": "Europe/Berlin" }""");

        Assert.Multiple(() =>
        {
            Assert.That(daily.Occurrences(Utc("2026-10-24T12:00:00Z"), Utc("2026-10-25T12:00:00Z")), Is.EqualTo(new[] { Utc("2026-10-25T00:30:00Z") }));
            Assert.That(hourly.Occurrences(Utc("2026-10-24T22:30:00Z"), Utc("2026-10-25T02:30:00Z")),
                Is.EqualTo(new[] { Utc("2026-10-24T23:00:00Z"), Utc("2026-10-25T00:00:00Z"), Utc("2026-10-25T01:00:00Z"), Utc("2026-10-25T02:00:00Z") }));
        });
    }

    [Test]
    public void A_local_time_keeps_its_wall_clock_across_a_DST_change()
    {
        // New York switches to EDT on 2026-03-08: 09:00 local is 14:00Z before and 13:00Z after.
        var schedule = Valid("""{ "cron": "0 9 * * *", "timeZone": "America/New_York" }""");

        Assert.That(schedule.Next(Utc("2026-03-07T00:00:00Z"), 2), Is.EqualTo(new[] { Utc("2026-03-07T14:00:00Z"), Utc("2026-03-08T13:00:00Z") }));
    }

    [TestCase("\"61 * * * *\"")]
    [TestCase("\"* * *\"")]
    [TestCase("\"0 0 9 * * *\"", Description = "six fields (seconds) are not the standard format")]
    [TestCase("\"\"")]
    [TestCase("\"not a cron\"")]
    public void A_malformed_cron_is_reported_at_trigger_schedule_cron(string cron)
    {
        var (_, errors) = Compile($$"""{ "cron": {{cron}} }""");

        Assert.That(errors.Keys, Is.EqualTo(new[] { "trigger.schedule.cron" }));
        Assert.That(errors["trigger.schedule.cron"].Single(), Does.Contain("cron expression"));
    }

    [TestCase("* * * * *", ExpectedResult = true)]
    [TestCase("*/2 * * * *", ExpectedResult = true)]
    [TestCase("0,3 * * * *", ExpectedResult = true)]
    [TestCase("58 * * * *", ExpectedResult = false, Description = "hourly is fine")]
    [TestCase("58,1 * * * *", ExpectedResult = true, Description = "3 minutes apart across the hour")]
    [TestCase("59 23 * * *", ExpectedResult = false)]
    [TestCase("59,1 23,0 * * *", ExpectedResult = true, Description = "2 minutes apart across midnight")]
    [TestCase("0,5,10 * * * *", ExpectedResult = false)]
    public bool Schedules_more_frequent_than_the_5_minute_tick_are_refused(string cron)
    {
        var (_, errors) = Compile($$"""{ "cron": "{{cron}}" }""");
        Assert.That(errors.Keys.Where(k => k != "trigger.schedule.cron"), Is.Empty);
        if (errors.TryGetValue("trigger.schedule.cron", out var messages))
        {
            Assert.That(messages.Single(), Does.StartWith("fires more often than every 5 minutes"));
            return true;
        }

        return false;
    }

    [TestCase("0,5,10,15,20,25,30,35,40,45,50,58 1-23/2 * * *", "America/New_York", Description = "01:58 then 03:00 on 2028-03-12, 2 minutes apart; 144 a day, so the first 5,000 occurrences end in February")]
    [TestCase("0,5,10,15,20,25,30,35,40,45,50,58 1-23/2 * * *", "Europe/Berlin", Description = "01:58 then 03:00 on 2028-03-26")]
    [TestCase("0,5,10,15,20,25,30,35,40,45,50,58 1-23/2 * * *", "Australia/Sydney", Description = "spring-forward in October")]
    public void A_gap_under_5_minutes_that_only_a_DST_change_opens_is_refused_however_frequent_the_cron(string cron, string zone)
    {
        // The premise: on one day of the year (and only then) two occurrences really are under 5 minutes apart.
        var expression = Cronos.CronExpression.Parse(cron);
        var year = expression.GetOccurrences(Utc("2028-01-01T00:00:00Z"), Utc("2029-01-01T00:00:00Z"), TimeZoneInfo.FindSystemTimeZoneById(zone)).ToList();
        Assert.That(year.Zip(year.Skip(1), (a, b) => b - a).Count(gap => gap < TimeSpan.FromMinutes(5)), Is.InRange(1, 3));

        var (_, errors) = Compile($$"""{ "cron": "{{cron}}", "timeZone": "{{zone}}" }""");

        Assert.That(errors.Keys, Is.EqualTo(new[] { "trigger.schedule.cron" }));
        Assert.That(errors["trigger.schedule.cron"].Single(), Does.StartWith("fires more often than every 5 minutes"));
    }

    [Test]
    public void Every_five_minutes_is_the_shortest_accepted_schedule()
    {
        Assert.That(Valid("""{ "cron": "*/5 * * * *" }""").Next(Utc("2026-12-03T10:01:00Z"), 2), Is.EqualTo(new[] { Utc("2026-12-03T10:05:00Z"), Utc("2026-12-03T10:10:00Z") }));
        Assert.That(Compile("""{ "cron": "*/4 * * * *" }""").Errors["trigger.schedule.cron"].Single(), Does.StartWith("fires more often than every 5 minutes"));
    }

    [Test]
    public void Calendar_edges_fire_where_the_calendar_has_them()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Valid("""{ "cron": "0 9 29 2 *" }""").Next(Utc("2026-12-06T00:00:00Z"), 2),
                Is.EqualTo(new[] { Utc("2028-02-29T09:00:00Z"), Utc("2032-02-29T09:00:00Z") }), "29 February: leap years only");
            Assert.That(Valid("""{ "cron": "0 9 L * *", "timeZone": "Europe/Berlin" }""").Next(Utc("2028-01-15T00:00:00Z"), 3),
                Is.EqualTo(new[] { Utc("2028-01-31T08:00:00Z"), Utc("2028-02-29T08:00:00Z"), Utc("2028-03-31T07:00:00Z") }), "L: the month's last day, in local time across DST");
            Assert.That(Valid("""{ "cron": "0 9 LW * *" }""").Next(Utc("2026-05-01T00:00:00Z"), 1),
                Is.EqualTo(new[] { Utc("2026-05-29T09:00:00Z") }), "LW: the last weekday (31 May 2026 is a Sunday)");
            Assert.That(Valid("""{ "cron": "0 9 * * 5L" }""").Next(Utc("2026-12-01T00:00:00Z"), 1),
                Is.EqualTo(new[] { Utc("2026-12-25T09:00:00Z") }), "5L: the month's last Friday");
            Assert.That(Compile("""{ "cron": "0 9 31 4,6,9,11 *" }""").Errors["trigger.schedule.cron"].Single(), Does.StartWith("never occurs"), "31 April/June/September/November");
            Assert.That(Compile("""{ "cron": "* * * * *" }""").Errors["trigger.schedule.cron"].Single(),
                Is.EqualTo("fires more often than every 5 minutes (here 1 minutes apart): the scheduler ticks every 5 minutes (Forge's shortest scheduled-trigger interval)"));
        });
    }

    [Test]
    public void A_cron_that_never_occurs_is_refused()
    {
        Assert.That(Compile("""{ "cron": "0 0 30 2 *" }""").Errors["trigger.schedule.cron"].Single(), Does.StartWith("never occurs"));
    }

    [TestCase("Mars/Olympus_Mons")]
    [TestCase("")]
    [TestCase("+01:00")]
    [TestCase("US/Pacific-New", Description = "retired in tzdata 2020b")]
    [TestCase("leapseconds", Description = "a data file of the zoneinfo directory, not a zone")]
    [TestCase("America", Description = "a folder of the zoneinfo directory")]
    [TestCase("Europe/")]
    [TestCase("W. Europe Standard Time", Description = "a Windows id")]
    public void An_unknown_time_zone_is_reported_at_trigger_schedule_timeZone(string zone)
    {
        var (_, errors) = Compile($$"""{ "cron": "0 9 * * *", "timeZone": "{{zone}}" }""");

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]>
        {
            ["trigger.schedule.timeZone"] = ["must be an IANA time zone id such as Europe/Berlin or America/New_York (default UTC)"],
        }));
    }

    [Test]
    public void Exactly_one_of_cron_and_everyHours()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compile("""{ }""").Errors.Keys, Is.EqualTo(new[] { "trigger.schedule.cron" }));
            Assert.That(Compile("""{ "cron": "0 9 * * *", "everyHours": 2 }""").Errors, Is.EqualTo(new Dictionary<string, string[]>
            {
                ["trigger.schedule"] = ["give either cron or everyHours, not both"],
            }));
            Assert.That(Compile("""{ "everyHours": 2, "timeZone": "Europe/Berlin", "jql": "project = OPS" }""").Errors.Keys,
                Is.EquivalentTo(new[] { "trigger.schedule.timeZone", "trigger.schedule.jql" }));
        });
    }

    [Test]
    public void A_jql_runs_for_at_most_maxIssues_issues_default_100()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Valid("""{ "cron": "0 9 * * *", "jql": " project = OPS " }""") is { Jql: "project = OPS", MaxIssues: 100 });
            Assert.That(Valid("""{ "cron": "0 9 * * *", "jql": "project = OPS", "maxIssues": 1000 }""").MaxIssues, Is.EqualTo(1000));
            Assert.That(Compile("""{ "cron": "0 9 * * *", "jql": "project = OPS", "maxIssues": 1001 }""").Errors.Keys, Is.EqualTo(new[] { "trigger.schedule.maxIssues" }));
            Assert.That(Compile("""{ "cron": "0 9 * * *", "jql": "project = OPS", "maxIssues": 0 }""").Errors.Keys, Is.EqualTo(new[] { "trigger.schedule.maxIssues" }));
            Assert.That(Compile("""{ "cron": "0 9 * * *", "maxIssues": 5 }""").Errors["trigger.schedule.maxIssues"], Is.EqualTo(new[] { "applies only with a jql" }));
            Assert.That(Compile("""{ "cron": "0 9 * * *", "jql": "  " }""").Errors.Keys, Is.EqualTo(new[] { "trigger.schedule.jql" }));
            Assert.That(Compile($$"""{ "cron": "0 9 * * *", "jql": "{{new string('x', ScheduleCompiler.MaxJqlLength + 1)}}" }""").Errors.Keys, Is.EqualTo(new[] { "trigger.schedule.jql" }));
        });
    }
}
