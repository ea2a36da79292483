using System.Collections.Concurrent;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The direct hand-off from the accepting transaction to the worker (<see cref="IRunHandOff"/>): the row is written
/// leased in the same transaction, only when nothing claimable waits, a reservation that does not commit is given
/// back, and the tenant cap stays exact when hand-offs race the claim loop. Real SQLite, real cipher, real worker.
/// </summary>
public sealed class HandOffTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task The_queue_hands_off_only_when_nothing_claimable_waits_and_the_worker_has_room()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));

        var handOff = new RecordingHandOff();
        kit.Queue.Attach(handOff);
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Assert.Multiple(async () =>
        {
            Assert.That(handOff.Reserved, Is.Empty, "OPS-1 waits: OPS-2 must not overtake it");
            Assert.That(handOff.Started, Is.Empty);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NULL AND attempts = 0"), Is.EqualTo(2));
        });

        // Both claimed (in flight): nothing claimable waits, so the next event is handed off, its row leased.
        Assert.That(await kit.Queue.ClaimManyAsync(2, new Dictionary<string, int>(), 2, null, CancellationToken.None), Has.Count.EqualTo(2));
        var evt = QueueKit.Event("OPS-3");
        Assert.That(await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        var (claimed, message) = handOff.Started.Single();
        Assert.Multiple(async () =>
        {
            Assert.That(handOff.Reserved, Is.EqualTo(new[] { tenant.TenantId }));
            Assert.That((claimed.TenantId, claimed.Attempts, claimed.Id), Is.EqualTo((tenant.TenantId, 1, message.Id)), "its first delivery");
            Assert.That(message.DedupKey, Is.EqualTo(EventIngestor.DedupKey(evt)), "the message itself, not a copy of another");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE id = $id AND lease_until IS NOT NULL AND attempts = 1", ("$id", claimed.Id)), Is.EqualTo(1));
            Assert.That(await kit.Queue.ClaimAsync([], null, CancellationToken.None), Is.Null, "leased: the claim loop cannot take it a second time");
        });

        // A duplicate reserves nothing; a worker without room leaves the row waiting.
        Assert.That(await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None), Is.EqualTo(IngestResult.AlreadyQueued));
        handOff.Room = false;
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-4"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Assert.Multiple(async () =>
        {
            Assert.That(handOff.Reserved, Has.Count.EqualTo(1));
            Assert.That(handOff.Started, Has.Count.EqualTo(1));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NULL"), Is.EqualTo(1), "OPS-4 waits for the claim loop");
        });
    }

    [Test]
    public async Task A_reservation_whose_transaction_fails_is_given_back_and_nothing_starts()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var handOff = new RecordingHandOff();
        kit.Queue.Attach(handOff);

        // The row insert fails after the reservation was taken (the reservation is decided just before it).
        await kit.ScalarAsync("CREATE TRIGGER fail_enqueue BEFORE INSERT ON run_queue BEGIN SELECT RAISE(ABORT, 'injected'); END;");
        Assert.That(async () => await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-5"), null, null, CancellationToken.None), Throws.InstanceOf<SqliteException>());
        var manual = new RunMessage(tenant, RunSource.Manual, "{}", kit.Clock.GetUtcNow(), Id: "manual-" + Guid.NewGuid().ToString("N"));
        Assert.That(async () => await kit.Queue.EnqueueAsync(manual, CancellationToken.None), Throws.InstanceOf<SqliteException>());
        Assert.Multiple(() =>
        {
            Assert.That(handOff.Reserved, Has.Count.EqualTo(2));
            Assert.That(handOff.Unreserved, Is.EqualTo(new[] { tenant.TenantId, tenant.TenantId }), "every reservation given back");
            Assert.That(handOff.Started, Is.Empty);
        });

        await kit.ScalarAsync("DROP TRIGGER fail_enqueue;");
        await kit.Queue.EnqueueAsync(manual, CancellationToken.None);
        Assert.That(handOff.Started.Single().Claimed.Id, Is.EqualTo(manual.Id), "the un-deduplicated path hands off too");
    }

    [Test]
    public async Task An_event_accepted_by_an_idle_worker_is_committed_leased_and_leaves_one_record()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        // What each row looked like when its insert committed (a trigger copies it into a probe table).
        await kit.ScalarAsync("CREATE TABLE probe (id TEXT, leased INTEGER, attempts INTEGER);");
        await kit.ScalarAsync("CREATE TRIGGER probe_insert AFTER INSERT ON run_queue BEGIN INSERT INTO probe VALUES (NEW.id, NEW.lease_until IS NOT NULL, NEW.attempts); END;");
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // The worker attaches after reclaiming the previous process's leases; until then events go through the claim loop.
            // Each try sends a new issue key (a counter: random keys collided once on a slow run, when the worker took
            // many tries to attach, and two events of one key read as two records of one event).
            var tries = 0;
            await Waits.UntilAsync(async () =>
            {
                var key = "OPS-" + (1000 + Interlocked.Increment(ref tries));
                await kit.Ingress.IngestAsync(tenant, QueueKit.Event(key), null, null, CancellationToken.None);
                await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
                return await kit.ScalarAsync("SELECT COUNT(*) FROM probe WHERE leased = 1 AND attempts = 1");
            }, n => n > 0, Generous);

            var runs = await kit.RunsOfAsync(tenant.TenantId);
            Assert.Multiple(async () =>
            {
                Assert.That(runs.Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded));
                Assert.That(runs.Select(r => r.IssueKey).Distinct().Count(), Is.EqualTo(runs.Count), "one record per event");
                Assert.That(sink.Hits.Values.Sum(), Is.EqualTo(runs.Count), "each event reached the third party once");
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM probe"), Is.EqualTo(runs.Count));
            });
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task Hand_offs_racing_the_claim_loop_never_exceed_the_tenant_cap()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:WorkerConcurrency"] = "4", ["Runs:PerTenantConcurrency"] = "1" });
        var hanging = QueueKit.NewTenant();
        var others = new[] { QueueKit.NewTenant(), QueueKit.NewTenant() };
        await kit.RuleAsync(hanging, sink.Address, path: "/HANG/{{ issue.key }}");
        foreach (var other in others)
        {
            await kit.RuleAsync(other, sink.Address);
        }

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // Accepts of all three tenants at once: hand-offs and claims interleave in the writer's transactions.
            var accepts = Enumerable.Range(0, 24).Select(i => kit.Ingress.IngestAsync(hanging, QueueKit.Event($"OPS-{500 + i}"), null, null, CancellationToken.None))
                .Concat(others.SelectMany((t, n) => Enumerable.Range(0, 12).Select(i => kit.Ingress.IngestAsync(t, QueueKit.Event($"OPS-{600 + (n * 100) + i}"), null, null, CancellationToken.None))));
            Assert.That(await Task.WhenAll(accepts), Is.All.EqualTo(IngestResult.Accepted));
            foreach (var other in others)
            {
                await Waits.UntilAsync(() => kit.RunsOfAsync(other.TenantId), r => r.Count == 12, Generous);
            }

            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n > 0, Generous);

            Assert.Multiple(async () =>
            {
                Assert.That(sink.Count("/HANG/"), Is.EqualTo(1), "the hanging tenant holds one worker, its cap, however its events arrived");
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NOT NULL"), Is.EqualTo(1));
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(24));
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task A_stopped_worker_takes_no_hand_off_and_leaves_a_late_one_durable_for_the_next_start()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        // A hand-off reserved before the drain and committed after it: its row is leased (here by a claim).
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-77"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        var claimed = (await kit.Queue.ClaimAsync([], null, CancellationToken.None))!;
        var worker = kit.Worker();
        await worker.StopAsync(CancellationToken.None);
        IRunHandOff handOff = worker;
        Assert.That(handOff.TryReserve(tenant.TenantId), Is.False, "draining: no reservation");
        handOff.Start(claimed, await kit.Queue.OpenAsync(claimed, CancellationToken.None));
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.That(sink.Hits.Values.Sum(), Is.Zero, "nothing ran after the drain");

        var next = kit.Worker();
        await next.StartAsync(CancellationToken.None);
        try
        {
            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0, Generous);
            Assert.Multiple(() =>
            {
                Assert.That(runs.Select(r => (r.IssueKey, r.Status)), Is.EqualTo(new[] { ((string?)"OPS-77", RunStatus.Succeeded) }), "the next start ran it, once");
                Assert.That(sink.Count("OPS-77"), Is.EqualTo(1));
            });
        }
        finally
        {
            await next.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task A_handed_off_event_runs_on_the_rule_heads_its_ingress_read_while_fresh_and_reads_them_again_otherwise()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        var handOff = new RecordingHandOff();
        kit.Queue.Attach(handOff);
        foreach (var key in new[] { "OPS-31", "OPS-32" })
        {
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event(key), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        var started = handOff.Started.ToArray();
        var readBack = await kit.Queue.OpenAsync(started[0].Claimed, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(started.Select(s => s.Message.IngressHeads?.Single().Id), Is.EqualTo(new[] { ruleId, ruleId }), "the heads the ingress filter read");
            Assert.That(readBack, Is.Not.Null);
            Assert.That(readBack!.IngressHeads, Is.Null, "never stored: a message read back from the queue reads the rule list again");
        });

        // The rule is disabled after both accepts. The message run at once keeps the accept's view; the one run
        // after the freshness bound, and the one read back from the queue, read the list again and skip the rule.
        Assert.That((await kit.Services.GetRequiredService<RuleService>().SetEnabledAsync(tenant.Id, ruleId, false, CancellationToken.None)).Value, Is.Not.Null);
        var processor = kit.Services.GetRequiredService<RunProcessor>();
        var fresh = await processor.ExecuteAsync(started[0].Message, CancellationToken.None);
        kit.Clock.Advance(RunProcessor.IngressHeadsMaxAge);
        var stale = await processor.ExecuteAsync(started[1].Message, CancellationToken.None);
        var queued = await processor.ExecuteAsync(readBack!, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(fresh.Select(r => (r.RuleId, r.Status)), Is.EqualTo(new[] { (ruleId, RunStatus.Succeeded) }));
            Assert.That(sink.Count("OPS-31"), Is.EqualTo(1));
            Assert.That(stale, Is.Empty, "older than the bound: the disabled rule does not run");
            Assert.That(queued, Is.Empty, "read back from the queue: the disabled rule does not run");
            Assert.That(sink.Count("OPS-32"), Is.Zero);
        });
    }

    /// <summary>Stands in for the worker: records what the queue asks of it.</summary>
    private static readonly AsyncLocal<string?> Ambient = new();

    [Test]
    public async Task A_handed_off_run_starts_in_the_accepting_callers_context_never_in_the_writers()
    {
        // The queue, and with it its group-commit writer's loop, is created while one caller's context is current (as
        // when a request is the first to need it). A handed-off run must start in the context of the caller whose event
        // it is (its trace parent), never in the one the writer's loop carries.
        Ambient.Value = "the caller that created the queue";
        await using var kit = QueueKit.Create();
        Ambient.Value = null;
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var handOff = new RecordingHandOff();
        kit.Queue.Attach(handOff);

        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Ambient.Value = "the accepting request";
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Ambient.Value = null;

        Assert.That(handOff.Contexts, Is.EqualTo(new string?[] { null, "the accepting request" }), "each run starts in its accepting caller's context");
    }

    private sealed class RecordingHandOff : IRunHandOff
    {
        public ConcurrentQueue<string?> Contexts { get; } = new();

        public bool Room { get; set; } = true;
        public ConcurrentQueue<string> Reserved { get; } = new();
        public ConcurrentQueue<string> Unreserved { get; } = new();
        public ConcurrentQueue<(ClaimedMessage Claimed, RunMessage Message)> Started { get; } = new();

        public bool TryReserve(string tenant)
        {
            if (Room)
            {
                Reserved.Enqueue(tenant);
            }

            return Room;
        }

        public void Unreserve(string tenant) => Unreserved.Enqueue(tenant);

        public void Start(ClaimedMessage claimed, RunMessage message)
        {
            Contexts.Enqueue(Ambient.Value);
            Started.Enqueue((claimed, message));
        }
    }
}
