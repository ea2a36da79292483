using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>Jira Automation's date smart values as filters and as method calls (docs/api.md "Jira smart values").</summary>
public sealed class SmartDateTests
{
    private const string Created = "2024-01-15T10:30:00.000+0000"; // a Monday

    private static string RenderAt(string source, DateTimeOffset now, JsonObject? scope = null)
    {
        var budget = new RunBudget(1_000_000, TimeSpan.FromMinutes(1), new FakeTimeProvider(now));
        var result = Compile(source).Render(scope ?? Scope(), TemplateLimits.Default, budget);
        Assert.That(result.Error, Is.Null, () => result.Error!.ToString());
        return result.Output!;
    }

    [Test]
    public void NowIsTheRunStartInJirasDateTimeForm()
    {
        var now = new DateTimeOffset(2020, 8, 18, 2, 40, 37, TimeSpan.Zero);
        Assert.That(RenderAt("{{now}}", now), Is.EqualTo("2020-08-18T02:40:37.000+0000"));
        Assert.That(RenderAt("{{ now | plus_days: 3 | format: 'yyyy-MM-dd' }}|{{ now.plusDays(3).format(\"yyyy-MM-dd\") }}", now),
            Is.EqualTo("2020-08-21|2020-08-21"));
    }

    [Test]
    public void NowIsNilOutsideARunAndAScopeKeyOrAssignmentWins()
    {
        Assert.That(Render("[{{ now }}]"), Is.EqualTo("[]"));
        var scope = Scope();
        scope["now"] = "scope value";
        Assert.That(RenderAt("{{ now }}", DateTimeOffset.UnixEpoch, scope), Is.EqualTo("scope value"));
        Assert.That(RenderAt("{% assign now = 'mine' %}{{ now }}", DateTimeOffset.UnixEpoch), Is.EqualTo("mine"));
    }

    [Test]
    public void EveryRenderOfOneRunSeesTheSameNow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var budget = new RunBudget(1_000_000, TimeSpan.FromMinutes(1), clock);
        var template = Compile("{{ now }}");
        var first = template.Render(Scope(), TemplateLimits.Default, budget).Output;
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That(template.Render(Scope(), TemplateLimits.Default, budget).Output, Is.EqualTo(first));
    }

    [TestCase("plus_seconds: 30", "2024-01-15T10:30:30.000+0000")]
    [TestCase("minus_seconds: 30", "2024-01-15T10:29:30.000+0000")]
    [TestCase("plus_minutes: 45", "2024-01-15T11:15:00.000+0000")]
    [TestCase("minus_minutes: 31", "2024-01-15T09:59:00.000+0000")]
    [TestCase("plus_hours: 14", "2024-01-16T00:30:00.000+0000")]
    [TestCase("minus_hours: 11", "2024-01-14T23:30:00.000+0000")]
    [TestCase("plus_days: 3", "2024-01-18T10:30:00.000+0000")]
    [TestCase("minus_days: 15", "2023-12-31T10:30:00.000+0000")]
    [TestCase("plus_weeks: 2", "2024-01-29T10:30:00.000+0000")]
    [TestCase("minus_weeks: 1", "2024-01-08T10:30:00.000+0000")]
    [TestCase("plus_months: 1", "2024-02-15T10:30:00.000+0000")]
    [TestCase("minus_months: 2", "2023-11-15T10:30:00.000+0000")]
    [TestCase("plus_years: 1", "2025-01-15T10:30:00.000+0000")]
    [TestCase("minus_years: 4", "2020-01-15T10:30:00.000+0000")]
    [TestCase("plus_business_days: 5", "2024-01-22T10:30:00.000+0000")]
    [TestCase("plus_business_days: 4", "2024-01-19T10:30:00.000+0000")]
    [TestCase("minus_business_days: 1", "2024-01-12T10:30:00.000+0000")]
    [TestCase("plus_days: '2'", "2024-01-17T10:30:00.000+0000")]
    [TestCase("start_of_day", "2024-01-15T00:00:00.000+0000")]
    [TestCase("end_of_day", "2024-01-15T23:59:59.999+0000")]
    [TestCase("start_of_month", "2024-01-01T00:00:00.000+0000")]
    [TestCase("end_of_month", "2024-01-31T23:59:59.999+0000")]
    [TestCase("jira_date", "2024-01-15")]
    [TestCase("jira_date_time", "2024-01-15T10:30:00.000+0000")]
    [TestCase("jql_date", "2024-01-15")]
    [TestCase("jql_date_time", "2024-01-15 10:30")]
    public void Arithmetic(string filter, string expected) =>
        Assert.That(Render($"{{{{ issue.fields.created | {filter} }}}}"), Is.EqualTo(expected));

    [TestCase("2024-01-20T09:00:00.000+0000", "plus_business_days: 1", "2024-01-22T09:00:00.000+0000")] // Saturday → Monday
    [TestCase("2024-01-21T09:00:00.000+0000", "minus_business_days: 1", "2024-01-19T09:00:00.000+0000")] // Sunday → Friday
    [TestCase("2024-01-20T09:00:00.000+0000", "to_business_day", "2024-01-22T09:00:00.000+0000")]
    [TestCase("2024-01-20T09:00:00.000+0000", "to_business_day_backwards", "2024-01-19T09:00:00.000+0000")]
    [TestCase("2024-06-10T09:00:00.000+0000", "first_business_day_of_month", "2024-06-03T09:00:00.000+0000")] // June 1st is a Saturday
    [TestCase("2024-08-10T09:00:00.000+0000", "last_business_day_of_month", "2024-08-30T09:00:00.000+0000")] // Aug 31st is a Saturday
    [TestCase("2024-01-31T09:00:00.000+0000", "plus_months: 1", "2024-02-29T09:00:00.000+0000")]
    [TestCase("2024-01-15", "plus_days: 1", "2024-01-16T00:00:00.000+0000")] // a date field (duedate)
    [TestCase("2024-01-15T10:30:00.000+0530", "plus_hours: 1", "2024-01-15T11:30:00.000+0530")] // the offset is kept
    public void BusinessDaysMonthEndsAndOffsets(string date, string filter, string expected) =>
        Assert.That(Render($"{{{{ '{date}' | {filter} }}}}"), Is.EqualTo(expected));

    [TestCase("yyyy-MM-dd", "2024-01-15")]
    [TestCase("dd/MM/yyyy", "15/01/2024")]
    [TestCase("d MMM yy", "15 Jan 24")]
    [TestCase("EEEE, MMMM d, yyyy", "Monday, January 15, 2024")]
    [TestCase("EEE h:mm a", "Mon 10:30 AM")]
    [TestCase("HH:mm:ss.SSS Z", "10:30:00.000 +0000")]
    [TestCase("yyyy-MM-dd'T'HH:mmXXX", "2024-01-15T10:30Z")]
    [TestCase("'week of' d", "week of 15")]
    [TestCase("h 'o''clock'", "10 o'clock")]
    [TestCase("D", "15")]
    [TestCase("shortDate", "1/15/24")]
    [TestCase("shortTime", "10:30 AM")]
    [TestCase("mediumDate", "Jan 15, 2024")]
    [TestCase("mediumDateTime", "Jan 15, 2024 10:30:00 AM")]
    [TestCase("longDate", "January 15, 2024")]
    [TestCase("longDateTime", "January 15, 2024 10:30:00 AM UTC")]
    [TestCase("fullDate", "Monday, January 15, 2024")]
    public void JavaPatternsAndNamedFormats(string pattern, string expected) =>
        Assert.That(Render($"{{{{ '{Created}' | format: \"{pattern}\" }}}}"), Is.EqualTo(expected));

    [Test]
    public void TimeZonesFollowDaylightSavingTime()
    {
        // Europe/Berlin switches to summer time at 01:00 UTC on 31 March 2024.
        Assert.That(Render("{{ '2024-03-31T00:30:00.000+0000' | convert_to_time_zone: 'Europe/Berlin' }}"), Is.EqualTo("2024-03-31T01:30:00.000+0100"));
        Assert.That(Render("{{ '2024-03-31T01:30:00.000+0000' | convert_to_time_zone: 'Europe/Berlin' }}"), Is.EqualTo("2024-03-31T03:30:00.000+0200"));
        Assert.That(Render("{% assign d = '2024-07-01T10:00:00Z' %}{{ d.convertToTimeZone(\"Australia/Sydney\").format(\"HH:mm z\") }}"), Is.EqualTo("20:00 GMT+10:00"));

        // setTimeZone keeps the wall clock; 02:30 does not exist in Berlin that night and moves forward by the gap.
        Assert.That(Render("{{ '2024-01-15T10:00:00.000+0000' | set_time_zone: 'America/New_York' }}"), Is.EqualTo("2024-01-15T10:00:00.000-0500"));
        Assert.That(Render("{{ '2024-03-31T02:30:00.000+0000' | set_time_zone: 'Europe/Berlin' }}"), Is.EqualTo("2024-03-31T03:30:00.000+0200"));
    }

    [TestCase("{{ '15/01/2024' | to_date: 'dd/MM/yyyy' }}", "2024-01-15T00:00:00.000+0000")]
    [TestCase("{{ '2024-01-15 14:05' | to_date: 'yyyy-MM-dd HH:mm' | jira_date_time }}", "2024-01-15T14:05:00.000+0000")]
    [TestCase("{{ '2024-01-15T10:30:00.000+0200' | to_date }}", "2024-01-15T10:30:00.000+0200")]
    [TestCase("[{{ 'not a date' | to_date: 'dd/MM/yyyy' }}]", "[]")]
    [TestCase("[{{ '15/01/2024' | to_date: 'dd/MM/yyyy Q' }}]", "[]")]
    [TestCase("{{ issue.fields.created | diff: '2024-01-22T12:30:00.000+0000' | json }}",
        "{\"millis\":612000000,\"seconds\":612000,\"minutes\":10200,\"hours\":170,\"days\":7,\"weeks\":1,\"months\":0,\"years\":0,\"businessDays\":5}")]
    [TestCase("{{ issue.fields.created.diff('2023-11-15T10:30:00.000+0000').months }}", "-2")]
    [TestCase("{{ issue.fields.created | is_before: '2024-02-01' }}", "true")]
    [TestCase("{{ issue.fields.created | is_after: '2024-02-01' }}", "false")]
    [TestCase("{{ issue.fields.created | is_equals: '2024-01-15T11:30:00+01:00' }}", "true")]
    [TestCase("{{ issue.fields.created | compare_to: '2025-01-01' }}", "-1")]
    [TestCase("[{{ issue.fields.created | is_after: 'soon' }}]", "[]")]
    public void ParsingDiffsAndComparisons(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("plus_days: 1")]
    [TestCase("format: 'yyyy'")]
    [TestCase("jira_date")]
    [TestCase("start_of_month")]
    [TestCase("convert_to_time_zone: 'UTC'")]
    public void NonDatesGiveNil(string filter)
    {
        Assert.That(Render($"[{{{{ issue.fields.summary | {filter} }}}}]"), Is.EqualTo("[]"));
        Assert.That(Render($"[{{{{ nothing | {filter} }}}}]"), Is.EqualTo("[]"));
    }

    [TestCase("{{ issue.fields.created | plus_days: 'many' }}", "filter 'plus_days': argument 1 must be a number")]
    [TestCase("{{ issue.fields.created | plus_years: 9000 }}", "filter 'plus_years': the resulting date is out of range")]
    [TestCase("{{ issue.fields.created | plus_days: 99999999999 }}", "filter 'plus_days': the resulting date is out of range")]
    [TestCase("{{ issue.fields.created | format: 'yyyy qq' }}", "filter 'format': the pattern uses a letter that is not supported")]
    [TestCase("{{ issue.fields.created | format: \"'open\" }}", "filter 'format': the pattern has an unclosed quote")]
    [TestCase("{{ issue.fields.created | convert_to_time_zone: 'Mars/Olympus' }}", "filter 'convert_to_time_zone': unknown time zone")]
    [TestCase("{{ issue.fields.created | set_time_zone: '../../etc/passwd' }}", "filter 'set_time_zone': unknown time zone")]
    public void BadArgumentsAreRuntimeErrorsThatQuoteNoData(string source, string message)
    {
        var result = RenderResult(source);
        Assert.That(result.Success, Is.False);
        Assert.That(result.Error!.Kind, Is.EqualTo(TemplateErrorKind.Runtime));
        Assert.That(result.Error.Message, Does.StartWith(message));
        Assert.That(result.Error.Message, Does.Not.Contain("2024"));
    }

    [TestCase("{{ x | plus_days }}", "filter 'plus_days' expects 1 argument(s), got 0")]
    [TestCase("{{ x | format }}", "filter 'format' expects 1 argument(s), got 0")]
    [TestCase("{{ x | to_date: 'a', 'b' }}", "filter 'to_date' expects 0 to 1 argument(s), got 2")]
    public void ArityIsCheckedAtCompileTime(string source, string message) =>
        Assert.That(CompileError(source).Message, Does.StartWith(message));

    [Test]
    public void DateFiltersAreChargedToTheRunBudget()
    {
        var budget = new RunBudget(1_000_000, TimeSpan.FromMinutes(1), TimeProvider.System);
        var before = budget.UsedUnits;
        Compile("{% for i in (1..500) %}{{ issue.fields.created | plus_business_days: i | format: 'yyyy-MM-dd' }}{% endfor %}")
            .Render(Scope(), TemplateLimits.Default, budget);
        Assert.That(budget.UsedUnits - before, Is.GreaterThan(1_500), "each iteration pays for its two filter calls");
    }

    [Test]
    public void AHugePatternIsRefused()
    {
        var pattern = new string('y', 300);
        var result = RenderResult($"{{{{ issue.fields.created | format: '{pattern}' }}}}");
        Assert.That(result.Error!.Message, Does.Contain("longer than 256"));
    }
}
