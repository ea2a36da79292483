using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A schedule rule whose JQL search is slow (a slow Jira) must not keep the tenant's other schedule rules from firing.
/// Forge ends a remote invocation after 25 s (https://developer.atlassian.com/platform/forge/limits-invocation/), which
/// cancels the trigger's request. Before, the walk over the rules then ended in the slow search and recorded nothing,
/// so every tick started again with the same rule and was cut there again: the rules after it never fired for as long
/// as Jira stayed slow. Now a walk the caller cancels records the rule it was at, and a walk that has taken
/// <see cref="ScheduleRunner.WalkBudget"/> (on the injected clock) begins no further rule and answers; either way the
/// next tick starts with the rule after the ones that had their turn. The rules are driven as the endpoint drives them
/// (<see cref="ScheduleRunner.FireDueAsync"/> with the request's token).
/// </summary>
[NonParallelizable]
public sealed class SlowSearchTurnTests : CronTickHarness
{
    private const string SystemToken = "sys-slow-search-token";

    [SetUp]
    public void ResetJira()
    {
        Backend.Jira.SystemToken = SystemToken;
        Backend.Jira.SearchIssues.Clear();
        Backend.Jira.SearchStatus = null;
        Backend.Jira.SearchRetryAfter = null;
        Backend.Jira.SearchRateLimitReset = null;
        Backend.Jira.SearchIssues.Add(("10001", "OPS-1"));
    }

    [TearDown]
    public void ClearHook() => Backend.Jira.OnSearch = null;

    /// <summary>Two JQL cron rules of a new tenant: the first in the walk's order (rule id order) and the one after it, and the first's JQL.</summary>
    private async Task<(TenantContext Context, string First, string Second, string FirstJql)> TwoRulesAsync()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var a = await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *", jql: "project = A"), "/a"));
        var b = await CreateRuleAsync(tenant, Rule(connection, Cron("*/5 * * * *", jql: "project = B"), "/b"));
        var (first, second, firstJql) = string.CompareOrdinal(a, b) < 0 ? (a, b, "project = A") : (b, a, "project = B");
        return (new TenantContext(tenant, null, null), first, second, firstJql);
    }

    [Test]
    public async Task A_tick_cancelled_in_a_hanging_search_lets_the_next_tick_start_with_the_rule_after_it()
    {
        var (context, first, second, firstJql) = await TwoRulesAsync();
        using var release = new ManualResetEventSlim(false);
        using var searching = new SemaphoreSlim(0);
        Backend.Jira.OnSearch = call =>
        {
            if (call.Jql == firstJql)
            {
                searching.Release();
                release.Wait(TimeSpan.FromSeconds(60)); // Jira hangs (until the test is over)
            }
        };

        var clock = new FakeTimeProvider(Clock.GetUtcNow());
        var queue = new RecordingQueue();
        var cancelled = 0;
        try
        {
            for (var tick = 0; tick < 2; tick++)
            {
                clock.Advance(TimeSpan.FromMinutes(5));
                using var forge = new CancellationTokenSource();
                var running = Runner(clock, queue).FireDueAsync(context, SystemToken, forge.Token);
                var began = await Task.WhenAny(running, searching.WaitAsync(TimeSpan.FromSeconds(60)));
                Assert.That(began, Is.Not.SameAs(running), "the first rule's search began and hangs");
                await forge.CancelAsync(); // Forge's limit: the invocation is over
                try
                {
                    await running;
                }
                catch (OperationCanceledException)
                {
                    cancelled++;
                }
            }
        }
        finally
        {
            release.Set();
        }

        var fired = queue.Messages.Select(m => m.RuleId).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(cancelled, Is.EqualTo(2), "both ticks ended in the hanging search");
            Assert.That(fired, Does.Contain(second), "the rule after the hanging one fired at the second tick");
            Assert.That(fired, Does.Not.Contain(first), "the hanging rule queued nothing");
        });
    }

    [Test]
    public async Task A_walk_past_its_budget_begins_no_further_rule_and_the_next_tick_starts_with_it()
    {
        var (context, first, second, firstJql) = await TwoRulesAsync();
        var clock = new FakeTimeProvider(Clock.GetUtcNow());
        // The first rule's search takes longer than the walk's budget (answered, then the clock has moved on).
        Backend.Jira.OnSearch = call =>
        {
            if (call.Jql == firstJql)
            {
                clock.Advance(ScheduleRunner.WalkBudget + TimeSpan.FromSeconds(1));
            }
        };

        var queue = new RecordingQueue();
        clock.Advance(TimeSpan.FromMinutes(5));
        var one = await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None);
        var afterOne = queue.Messages.Select(m => m.RuleId).ToList();
        clock.Advance(TimeSpan.FromMinutes(5));
        var two = await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None);
        var afterTwo = queue.Messages.Select(m => m.RuleId).Skip(afterOne.Count).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(one.Busy, Is.False);
            Assert.That(afterOne, Is.Not.Empty.And.All.EqualTo(first), "the first tick stopped after the slow rule's turn");
            Assert.That(two.Busy, Is.False);
            Assert.That(afterTwo, Does.Contain(second), "the second tick began with the rule the first did not reach");
            Assert.That(afterTwo[0], Is.EqualTo(second), "and with it first");
        });
    }
}
