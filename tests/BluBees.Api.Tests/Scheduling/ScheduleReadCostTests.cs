using System.Text.Json.Nodes;
using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A scheduled trigger (every tenant, every tick) finds its schedule rules through the stamp and cache, not by a
/// query and parse of every rule head of the tenant per tick (up to the rule limit).
/// </summary>
public sealed class ScheduleReadCostTests : FakeClockFixture
{
    [Test]
    public async Task Ticks_after_the_first_query_no_rule_heads()
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } }, "/tick"));
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new JsonObject { ["type"] = "manual" }, "/other"));
        var s = Backend.Services;
        var store = new QueryTally(s.GetRequiredService<IStore>());
        var rules = ActivatorUtilities.CreateInstance<RuleService>(s, store);
        var cron = ActivatorUtilities.CreateInstance<CronTicks>(s, ActivatorUtilities.CreateInstance<BluBees.Engine.Steps.Jira.JiraIssueSearch>(s));
        var runner = ActivatorUtilities.CreateInstance<ScheduleRunner>(s, rules, cron, NullLogger<ScheduleRunner>.Instance);
        var context = new TenantContext(tenant, null, null);

        Assert.That((await runner.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1));
        for (var i = 0; i < 2; i++)
        {
            Assert.That((await runner.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "fired once per interval");
        }

        // The first tick may load the list (this process's cache may not hold it yet); the others reuse it.
        Assert.That(store.RuleHeadQueries, Is.LessThanOrEqualTo(1));
    }
}
