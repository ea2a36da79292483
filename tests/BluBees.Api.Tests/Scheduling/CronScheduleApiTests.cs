using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// Cron schedules over HTTP: saving validates cron and time zone (ProblemDetails naming the field), the next-runs
/// route serves the rule builder (admins only), and Forge's scheduled trigger fires an occurrence once even when
/// delivered several times at once (the embedded queue's marker-and-message transaction).
/// </summary>
public sealed class CronScheduleApiTests : CronTickHarness
{
    private async Task<HttpResponseMessage> TickAsync(string tenant)
        => await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);

    [Test]
    public async Task Occurrences_missed_beyond_the_6_hour_catch_up_are_logged_as_skipped()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron("0 * * * *"), "/late"));
        using (var first = await TickAsync(tenant))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "this tick sets the rule's cursor");
        }

        Clock.Advance(TimeSpan.FromHours(10)); // ten hourly occurrences missed: the 6 of the last 6 hours fire, 4 are skipped
        using var late = await TickAsync(tenant);
        var queued = JsonNode.Parse(await late.Content.ReadAsStringAsync())!["queued"]!.GetValue<int>();

        var skippedLines = Backend.Logs.Lines.Where(l => l.Contains("beyond the catch-up bound", StringComparison.Ordinal) && l.Contains("RuleId=" + ruleId, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(queued, Is.EqualTo(6));
            Assert.That(skippedLines, Has.Count.EqualTo(1), "docs/api.md: older missed occurrences are skipped (and logged)");
            Assert.That(skippedLines.FirstOrDefault() ?? "", Does.Contain("Skipped=4"));
        });
    }

    [TestCase("*/1 * * * *", null, "trigger.schedule.cron")]
    [TestCase("0 25 * * *", null, "trigger.schedule.cron")]
    [TestCase("0 9 * * *", "Nowhere/Atlantis", "trigger.schedule.timeZone")]
    [TestCase("H 9 * * *", null, "trigger.schedule.cron")]
    [TestCase("0 H * * 1-5", "Europe/Berlin", "trigger.schedule.cron")]
    [TestCase("H/15 * * * *", null, "trigger.schedule.cron")]
    public async Task Saving_a_bad_schedule_is_a_400_naming_the_field(string cron, string? zone, string field)
    {
        var tenant = Samples.NewTenant();
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Rule(await CreateConnectionAsync(tenant), Cron(cron, zone), "/bad"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task A_cron_rule_is_saved_and_read_back_with_its_schedule()
    {
        var tenant = Samples.NewTenant();
        var id = await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron("0 9 * * 1-5", "Europe/Berlin", "project = OPS", 50), "/saved"));

        var schedule = (await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["definition"]!["trigger"]!["schedule"]!;
        Assert.That(schedule.ToJsonString(), Is.EqualTo("""{"cron":"0 9 * * 1-5","timeZone":"Europe/Berlin","jql":"project = OPS","maxIssues":50}"""));
    }

    [Test]
    public async Task Next_runs_are_listed_in_UTC_and_local_time()
    {
        var tenant = Samples.NewTenant();
        var next = await Backend.JsonAsync(HttpMethod.Get, "/api/schedules/next?cron=" + Uri.EscapeDataString("30 8 * * 1-5") + "&timeZone=America/New_York&count=3", tenant);

        var runs = next["next"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(next["timeZone"]!.GetValue<string>(), Is.EqualTo("America/New_York"));
            Assert.That(runs, Has.Count.EqualTo(3));
            foreach (var run in runs)
            {
                var utc = DateTimeOffset.Parse(run!["utc"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                var local = DateTimeOffset.Parse(run["local"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(local, Is.EqualTo(utc), "the same instant");
                Assert.That((local.Hour, local.Minute), Is.EqualTo((8, 30)));
                Assert.That(local.DayOfWeek, Is.Not.EqualTo(DayOfWeek.Saturday).And.Not.EqualTo(DayOfWeek.Sunday));
                Assert.That(utc, Is.GreaterThan(Clock.GetUtcNow()));
            }
        });
    }

    [TestCase("cron=*+*+*+*+*", "trigger.schedule.cron")]
    [TestCase("cron=0+9+*+*+*&timeZone=Mars%2FBase", "trigger.schedule.timeZone")]
    [TestCase("", "trigger.schedule.cron")]
    [TestCase("cron=H+9+*+*+*", "trigger.schedule.cron")]
    [TestCase("cron=0+0+H+*+*&timeZone=America%2FNew_York", "trigger.schedule.cron")]
    [TestCase("cron=0+9+*+*+*&count=0", "count")]
    [TestCase("cron=0+9+*+*+*&count=21", "count")]
    [TestCase("cron=0+9+*+*+*&count=x", "count")]
    public async Task Bad_next_runs_input_is_a_400_naming_the_field(string query, string field)
    {
        using var response = await Backend.SendAsync(HttpMethod.Get, "/api/schedules/next?" + query, Samples.NewTenant());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task Next_runs_are_for_administrators_only()
    {
        using var response = await Backend.SendAsync(HttpMethod.Get, "/api/schedules/next?cron=0+9+*+*+*", Samples.NewTenant(), accountId: "557058:user");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Concurrent_deliveries_of_Forges_tick_run_a_cron_occurrence_once()
    {
        var tenant = Samples.NewTenant();
        var path = "/cron-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *"), path));
        Clock.Advance(TimeSpan.FromMinutes(5));

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => TickAsync(tenant)));
        var queued = 0;
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
                queued += JsonNode.Parse(await response.Content.ReadAsStringAsync())!["queued"]!.GetValue<int>();
            }
        }

        Assert.That(queued, Is.EqualTo(1));
        await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2" + path)), r => r.Count >= 1);
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        await SettleAsync();
        Assert.Multiple(() =>
        {
            Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(1));
            Assert.That(runs["items"]!.AsArray().Select(r => (r!["source"]!.GetValue<string>(), r["eventType"]!.GetValue<string>())), Is.EqualTo(new[] { ("schedule", "blubees:schedule") }));
        });
    }
}
