using System.Text.Json.Nodes;
using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// The interval is handed over with a de-duplication key named after the fire it follows: a delivery that read the old state hands over the same key
/// as the one that fired first and queues nothing, deterministically (a store that serves a stale read stands in for the race).
/// </summary>
public sealed class ScheduleClaimTests : FakeClockFixture
{
    [Test]
    public async Task A_delivery_that_read_a_stale_slot_does_not_fire_again()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } }, "/claim"));
        var context = new TenantContext(tenant, null, null);
        var store = Backend.Services.GetRequiredService<IStore>();

        var winner = Runner(store, out var winnerQueue);
        Assert.That((await winner.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1));

        var loser = Runner(new StaleScheduleReads(store), out var loserQueue);
        var result = await loser.FireDueAsync(context, null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Queued, Is.Zero);
            Assert.That(loserQueue.Messages, Is.Empty);
            Assert.That(winnerQueue.Messages.Single().RuleId, Is.EqualTo(ruleId));
            Assert.That(winnerQueue.Messages.Single().Source, Is.EqualTo(RunSource.Schedule));
        });
    }

    [Test]
    public async Task A_full_queue_gives_the_slot_back_for_Forges_retry()
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } }, "/full"));
        var context = new TenantContext(tenant, null, null);
        var store = Backend.Services.GetRequiredService<IStore>();

        var busy = Runner(store, out var full);
        full.Full = true;
        Assert.That((await busy.FireDueAsync(context, null, CancellationToken.None)).Busy, Is.True);

        var retry = Runner(store, out var queue);
        Assert.That((await retry.FireDueAsync(context, null, CancellationToken.None)).Queued, Is.EqualTo(1));
        Assert.That(queue.Messages, Has.Count.EqualTo(1));
    }

    private ScheduleRunner Runner(IStore store, out RecordingQueue queue)
    {
        queue = new RecordingQueue();
        var s = Backend.Services;
        var ingress = new EventIngestor(store, queue, s.GetRequiredService<TenantService>(), s.GetRequiredService<RuleService>(), new IngressGate(),
            s.GetRequiredService<BluBees.Engine.Observability.BluBeesMetrics>(), Clock, NullLogger<EventIngestor>.Instance,
            s.GetRequiredService<RunStore>());
        var cron = new CronTicks(store, ingress, ActivatorUtilities.CreateInstance<BluBees.Engine.Steps.Jira.JiraIssueSearch>(s), s.GetRequiredService<BluBees.Engine.Runs.RunStore>(), Clock, NullLogger<CronTicks>.Instance);
        return new ScheduleRunner(s.GetRequiredService<RuleService>(), store, ingress, s.GetRequiredService<TenantService>(), cron, s.GetRequiredService<BluBees.Engine.Rules.IRuleRunHistory>(), Clock, NullLogger<ScheduleRunner>.Instance);
    }

    private sealed class RecordingQueue : IRunQueue
    {
        public List<RunMessage> Messages { get; } = [];
        public bool Full { get; set; }

        public ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
        {
            if (Full)
            {
                throw new QueueFullException();
            }

            Messages.Add(message);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads of fire slots return "never fired", as a delivery that read just before another claimed it.</summary>
    private sealed class StaleScheduleReads(IStore inner) : IStore
    {
        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
            => sk.StartsWith("SCHED#", StringComparison.Ordinal) ? Task.FromResult<StoreItem?>(null) : inner.GetAsync(pk, sk, ct);

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);
        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
            => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
