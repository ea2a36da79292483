using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// An <c>everyHours</c> rule through a hard kill: a delivery whose process dies at a fault point (it never returns
/// from there, so no catch, no release, nothing after it runs) over the backend's real SQLite store and queue, then
/// Forge's next delivery through the real app. The interval must be queued exactly once and leave one run record.
/// </summary>
public sealed class IntervalCrashTests : FakeClockFixture
{
    private static JsonObject Every(int hours) => new() { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = hours } };

    [Test]
    public async Task A_delivery_killed_before_its_hand_over_leaves_the_interval_to_the_next_delivery_which_fires_it_once()
    {
        var tenant = Samples.NewTenant();
        var path = "/killed-before-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Every(1), path));
        var queue = new DyingQueue((IDedupingRunQueue)Backend.Services.GetRequiredService<IRunQueue>());
        using var kill = new CancellationTokenSource();

        var killed = Runner(queue, Backend.Services.GetRequiredService<IStore>()).FireDueAsync(new TenantContext(tenant, null, null), null, kill.Token);
        await queue.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "the killed delivery handed nothing over: the interval is still due");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(await TriggerAsync(tenant), Is.Zero, "Forge's retry after the successful delivery fires nothing");
        await SettleAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1), "exactly one run record");
            Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(1));
        });

        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_delivery_killed_after_its_hand_over_before_recording_the_fire_is_not_fired_again_by_the_next_delivery()
    {
        var tenant = Samples.NewTenant();
        var path = "/killed-after-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Every(1), path));
        var store = new DyingFireWrites(Backend.Services.GetRequiredService<IStore>(), onlyTheRecord: true);
        using var kill = new CancellationTokenSource();

        var killed = Runner(Backend.Services.GetRequiredService<IRunQueue>(), store).FireDueAsync(new TenantContext(tenant, null, null), null, kill.Token);
        await store.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);

        Assert.That(await TriggerAsync(tenant), Is.Zero, "the interval was handed over before the kill: its de-duplication marker answers the next delivery");
        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That(await TriggerAsync(tenant), Is.Zero, "and the one after: the next delivery recorded the fire");
        await SettleAsync();
        Assert.Multiple(async () =>
        {
            var runs = await RunsAsync(tenant);
            Assert.That(runs, Has.Count.EqualTo(1), "exactly one run record");
            Assert.That(runs[0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(1));
        });

        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_delivery_killed_after_its_hand_over_then_a_day_without_deliveries_does_not_fire_a_two_day_rule_early()
    {
        var tenant = Samples.NewTenant();
        var path = "/killed-day-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Every(48), path));
        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "the first fire");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);

        Clock.Advance(TimeSpan.FromHours(48));
        var store = new DyingFireWrites(Backend.Services.GetRequiredService<IStore>(), onlyTheRecord: true);
        using var kill = new CancellationTokenSource();
        var killed = Runner(Backend.Services.GetRequiredService<IRunQueue>(), store).FireDueAsync(new TenantContext(tenant, null, null), null, kill.Token);
        await store.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 2);

        Clock.Advance(TimeSpan.FromHours(25)); // no delivery for more than a day: the interval's de-duplication marker expired
        Assert.That(await TriggerAsync(tenant), Is.Zero, "the interval handed over 25 hours ago ran: a 48-hour rule is not due again yet");
        Clock.Advance(TimeSpan.FromHours(23));
        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "48 hours after the killed delivery's fire it is due");
        await SettleAsync();
        Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(3));

        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_delivery_killed_before_its_hand_over_then_a_day_without_deliveries_leaves_the_interval_due()
    {
        var tenant = Samples.NewTenant();
        var path = "/killed-before-day-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Every(48), path));
        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "the first fire");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);

        Clock.Advance(TimeSpan.FromHours(48));
        var queue = new DyingQueue((IDedupingRunQueue)Backend.Services.GetRequiredService<IRunQueue>());
        using var kill = new CancellationTokenSource();
        var killed = Runner(queue, Backend.Services.GetRequiredService<IStore>()).FireDueAsync(new TenantContext(tenant, null, null), null, kill.Token);
        await queue.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Clock.Advance(TimeSpan.FromHours(25));
        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "nothing was handed over before the kill: the interval is not lost");
        await SettleAsync();
        Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(2));

        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    private async Task<int> TriggerAsync(string tenant)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
        return JsonNode.Parse(text)!["queued"]!.GetValue<int>();
    }

    private async Task<JsonArray> RunsAsync(string tenant) => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();

    /// <summary>A second scheduler "process" over the backend's real store and queue (as <see cref="CronTickHarness"/> builds one).</summary>
    private ScheduleRunner Runner(IRunQueue queue, IStore store)
    {
        var s = Backend.Services;
        var ingress = new EventIngestor(store, queue, s.GetRequiredService<TenantService>(), s.GetRequiredService<RuleService>(), new IngressGate(),
            s.GetRequiredService<BluBees.Engine.Observability.BluBeesMetrics>(), Clock, NullLogger<EventIngestor>.Instance, s.GetRequiredService<RunStore>());
        var cron = new CronTicks(store, ingress, ActivatorUtilities.CreateInstance<JiraIssueSearch>(s), s.GetRequiredService<BluBees.Engine.Runs.RunStore>(), Clock, NullLogger<CronTicks>.Instance);
        return new ScheduleRunner(s.GetRequiredService<RuleService>(), store, ingress, s.GetRequiredService<TenantService>(), cron, s.GetRequiredService<BluBees.Engine.Rules.IRuleRunHistory>(), Clock, NullLogger<ScheduleRunner>.Instance);
    }

    /// <summary>The process dies while writing a rule's last fire (<c>SCHED#</c>): the write never happens and the call never returns.</summary>
    /// <remarks>With <paramref name="onlyTheRecord"/>, only the write that records the fire dies (an announcement of a hand-over passes).</remarks>
    private sealed class DyingFireWrites(IStore inner, bool onlyTheRecord = false) : IStore
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
        {
            if (!item.Sk.StartsWith("SCHED#", StringComparison.Ordinal) || (onlyTheRecord && item.Data.Contains("\"handingOverAt\":\"", StringComparison.Ordinal)))
            {
                return await inner.PutIfRevisionAsync(item, expectedRevision, ct);
            }

            Reached.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return false;
        }

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);
        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);
        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);
        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
