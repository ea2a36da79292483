using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A cron rule saved valid whose stored schedule no longer compiles where it runs (its time zone retired from the
/// server's tzdata after an update, or a check made stricter since): the tick cannot fire it, and says so instead of
/// skipping it in silence.
/// </summary>
public sealed class StaleScheduleTests : CronTickHarness
{
    private async Task<HttpResponseMessage> TickAsync(string tenant)
        => await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);

    [Test]
    public async Task A_stored_schedule_whose_time_zone_is_gone_is_logged_at_each_tick_and_the_others_still_fire()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *", "Europe/Berlin"), "/stale", name: "stale"));
        await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *"), "/fresh", name: "fresh"));
        using (var first = await TickAsync(tenant))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "this tick sets the cursors");
        }

        // As after a tzdata update that dropped the zone (as 2020b dropped US/Pacific-New), then a restart.
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var version = await partition.GetAsync(Keys.RuleVersion(stale, 1), CancellationToken.None);
        await partition.PutAsync(version!.Sk, version.Data.Replace("Europe/Berlin", "US/Pacific-New", StringComparison.Ordinal), CancellationToken.None);
        Backend.Services.GetRequiredService<RuleCache>().Clear();

        Clock.Advance(TimeSpan.FromMinutes(5));
        using var tick = await TickAsync(tenant);

        var body = System.Text.Json.Nodes.JsonNode.Parse(await tick.Content.ReadAsStringAsync())!;
        var lines = Backend.Logs.Lines.Where(l => l.Contains("no longer compiles", StringComparison.Ordinal) && l.Contains("RuleId=" + stale, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(tick.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(body["queued"]!.GetValue<int>(), Is.EqualTo(1), "the other rule fires");
            Assert.That(lines, Has.Count.EqualTo(1), "one warning for the rule at this tick");
            Assert.That(lines.FirstOrDefault() ?? "", Does.Contain("trigger.schedule.timeZone"), "names the field");
            Assert.That(lines.FirstOrDefault() ?? "", Does.Not.Contain("Pacific-New"), "the field, not its value");
        });
    }

    /// <summary>
    /// A stored version a later build wrote with a member this one does not know (a rollback): reading it threw, so the
    /// tick answered 500 and no rule after it in the tick's order fired. Now it is a rule that does not compile here.
    /// </summary>
    [Test]
    public async Task A_stored_schedule_a_later_build_wrote_is_logged_at_each_tick_and_the_others_still_fire()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *"), "/stale", name: "stale"));
        await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *"), "/fresh", name: "fresh"));
        using (var first = await TickAsync(tenant))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "this tick sets the cursors");
        }

        var marker = Samples.Canary("laterbuild");
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var version = await partition.GetAsync(Keys.RuleVersion(stale, 1), CancellationToken.None);
        await partition.PutAsync(version!.Sk, version.Data.Replace("\"name\":", $"\"{marker}\":true,\"name\":", StringComparison.Ordinal), CancellationToken.None);
        Backend.Services.GetRequiredService<RuleCache>().Clear();

        Clock.Advance(TimeSpan.FromMinutes(5));
        using var tick = await TickAsync(tenant);

        var body = await tick.Content.ReadAsStringAsync();
        var lines = Backend.Logs.Lines.Where(l => l.Contains("no longer compiles", StringComparison.Ordinal) && l.Contains("RuleId=" + stale, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(tick.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body);
            Assert.That(body, Does.Contain("\"queued\":1"), "the other rule fires");
            Assert.That(lines, Has.Count.EqualTo(1), "one warning for the rule at this tick");
            Assert.That(lines.FirstOrDefault() ?? "", Does.Contain("Fields=definition"));
            Assert.That(Backend.Logs.AllText, Does.Not.Contain(marker), "never the stored content");
        });
    }
}
