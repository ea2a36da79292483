using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// Cron schedules fire every due occurrence exactly once, whoever ticks: Forge retries, several instances at once,
/// a restarted instance, a tick cut short by a crash or a full queue; a late tick catches up within its bounds.
/// </summary>
public sealed class CronTickTests : CronTickHarness
{
    private async Task<(string Tenant, string RuleId, TenantContext Context, FakeTimeProvider Clock)> NewRuleAsync(string cron = "*/5 * * * *")
    {
        var tenant = Samples.NewTenant();
        var ruleId = await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron(cron), "/cron"));
        return (tenant, ruleId, new TenantContext(tenant, null, null), new FakeTimeProvider(Clock.GetUtcNow()));
    }

    [Test]
    public async Task Each_occurrence_is_queued_once_across_retries_and_a_restart()
    {
        var (_, ruleId, context, clock) = await NewRuleAsync();
        var first = NextFive(clock.GetUtcNow());
        var queue = new RecordingQueue();
        var runner = Runner(clock, queue);

        Assert.That((await runner.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "nothing is due before the first occurrence");
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That((await runner.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1));
        Assert.That((await runner.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "Forge's retry of the same tick");

        var restarted = new RecordingQueue();
        Assert.That((await Runner(clock, restarted).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "a restarted instance reads the state from the store");
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That((await Runner(clock, restarted).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(2), "a missed tick is caught up");

        Assert.Multiple(() =>
        {
            Assert.That(Occurrences(queue.Messages), Is.EqualTo(new[] { first }));
            Assert.That(Occurrences(restarted.Messages), Is.EqualTo(new[] { first.AddMinutes(5), first.AddMinutes(10) }));
            Assert.That(queue.Messages.Concat(restarted.Messages).Select(m => m.DedupKey),
                Is.EqualTo(new[] { first, first.AddMinutes(5), first.AddMinutes(10) }.Select(o => Keys.ScheduleTick(ruleId, o))), "keyed by the idempotent tick key");
            Assert.That(queue.Messages.Concat(restarted.Messages).Select(m => m.RuleId).Distinct(), Is.EqualTo(new[] { ruleId }));
        });
    }

    [Test]
    public async Task Concurrent_ticks_on_several_instances_queue_each_occurrence_once()
    {
        var (_, _, context, clock) = await NewRuleAsync();
        var first = NextFive(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(15));
        var queues = Enumerable.Range(0, 4).Select(_ => new RecordingQueue()).ToList();

        var results = await Task.WhenAll(queues.Select(q => Task.Run(() => Runner(clock, q).FireDueAsync(context, null, CancellationToken.None))));

        Assert.Multiple(() =>
        {
            Assert.That(results.Sum(r => r.Queued), Is.EqualTo(3));
            Assert.That(Occurrences(queues.SelectMany(q => q.Messages)).Order(), Is.EqualTo(new[] { first, first.AddMinutes(5), first.AddMinutes(10) }));
        });
    }

    [Test]
    public async Task A_late_tick_catches_up_at_most_the_12_most_recent_occurrences_of_the_last_6_hours()
    {
        var (_, _, context, clock) = await NewRuleAsync();
        var latest = NextFive(clock.GetUtcNow()).AddHours(7);
        clock.SetUtcNow(latest.AddSeconds(10)); // away from an occurrence, so the later minute crosses none
        var queue = new RecordingQueue();

        var result = await Runner(clock, queue).FireDueAsync(context, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Queued, Is.EqualTo(CronTicks.MaxOccurrencesPerTick));
            Assert.That(Occurrences(queue.Messages), Is.EqualTo(Enumerable.Range(0, 12).Select(i => latest.AddMinutes(-5 * (11 - i)))));
        });
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That((await Runner(clock, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "skipped occurrences stay skipped");
    }

    [Test]
    public async Task A_full_queue_fires_nothing_twice_and_the_retry_fires_the_rest()
    {
        var (_, _, context, clock) = await NewRuleAsync();
        var first = NextFive(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(15));
        var busy = new RecordingQueue { FullAfter = 1 };

        var refused = await Runner(clock, busy).FireDueAsync(context, null, CancellationToken.None);
        Assert.That((refused.Busy, refused.Queued), Is.EqualTo((true, 1)));

        var retry = new RecordingQueue();
        Assert.That((await Runner(clock, retry).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(Occurrences(busy.Messages), Is.EqualTo(new[] { first }));
            Assert.That(Occurrences(retry.Messages), Is.EqualTo(new[] { first.AddMinutes(5), first.AddMinutes(10) }), "the refused occurrence's claim was released");
        });
    }

    [Test]
    public async Task A_tick_cut_short_by_a_crash_is_completed_by_the_next_without_doubles()
    {
        var (_, _, context, clock) = await NewRuleAsync();
        var first = NextFive(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(10));
        var crashing = new RecordingQueue { CrashAfter = 1 };

        await Assert.ThatAsync(() => Runner(clock, crashing).FireDueAsync(context, null, CancellationToken.None), Throws.InvalidOperationException);
        var after = new RecordingQueue();
        Assert.That((await Runner(clock, after).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1));

        Assert.Multiple(() =>
        {
            Assert.That(Occurrences(crashing.Messages), Is.EqualTo(new[] { first }));
            Assert.That(Occurrences(after.Messages), Is.EqualTo(new[] { first.AddMinutes(5) }));
        });
    }

    [Test]
    public async Task Occurrences_before_the_rule_was_saved_or_while_it_was_disabled_do_not_fire()
    {
        var (tenant, ruleId, context, _) = await NewRuleAsync();
        await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{ruleId}/disable", tenant);
        Clock.Advance(TimeSpan.FromMinutes(20));
        var clock = new FakeTimeProvider(Clock.GetUtcNow());
        var queue = new RecordingQueue();
        Assert.That((await Runner(clock, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "a disabled rule does not fire");

        await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{ruleId}/enable", tenant);
        var next = NextFive(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That((await Runner(clock, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1));
        Assert.That(Occurrences(queue.Messages), Is.EqualTo(new[] { next }), "only occurrences after it was enabled again");
    }

    [Test]
    public async Task A_clock_that_jumps_back_fires_no_occurrence_twice_and_misses_none()
    {
        var (_, _, context, clock) = await NewRuleAsync();
        var first = NextFive(clock.GetUtcNow());
        clock.SetUtcNow(first.AddMinutes(10).AddSeconds(30));
        var queue = new RecordingQueue();
        Assert.That((await Runner(clock, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(3));

        // NTP steps the clock back 9 minutes (or the next tick lands on an instance whose clock lags): the occurrences
        // it sees as due again were handed over already.
        // (a FakeTimeProvider cannot go back, so the stepped-back clock is a new one).
        var stepped = new FakeTimeProvider(first.AddMinutes(1).AddSeconds(30));
        Assert.That((await Runner(stepped, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "nothing fires twice");
        stepped.SetUtcNow(first.AddMinutes(11));
        Assert.That((await Runner(stepped, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero, "nothing new is due yet");
        stepped.SetUtcNow(first.AddMinutes(15).AddSeconds(10));
        Assert.That((await Runner(stepped, queue).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1), "the next occurrence fires once the clock reaches it");

        Assert.That(Occurrences(queue.Messages), Is.EqualTo(Enumerable.Range(0, 4).Select(i => first.AddMinutes(5 * i))));
    }
}
