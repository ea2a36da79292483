using System.Diagnostics.Metrics;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A run started beside its event's accepting transaction (<see cref="AcceptCommit"/>, SqliteRunQueue.HandOff.cs):
/// it prepares while the COMMIT runs and sends nothing, and writes nothing, before that COMMIT kept its row leased to
/// it. Each case holds SQLite's write lock from another connection (as an operator's shell would), so the accept waits
/// while the early run is already in flight (the worker counts it), then lets the accept fail, or commit as a
/// duplicate, or commit while the worker drains. Real SQLite, real cipher, real worker, a loopback third party.
/// </summary>
[NonParallelizable]
public sealed class EarlyStartTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> Room = new()
    {
        ["Runs:WorkerConcurrency"] = "4",
        ["Runs:PerTenantConcurrency"] = "2",
    };

    [Test]
    public async Task A_run_started_beside_an_accept_that_fails_sends_nothing_records_nothing_and_the_retry_runs_once()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(Room);
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await WarmUpAsync(kit, sink, tenant);

            await using (var held = await HoldWriteLockAsync(kit))
            {
                var accept = kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None);
                await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 1, Generous);
                Assert.That(accept.IsCompleted, Is.False, "the run is in flight while its accept still waits for the write lock");

                // The accept's wait runs out (the injected clock): withdrawn, never written, answered as busy.
                kit.Clock.Advance(SqliteRunQueue.AcceptLockWait + TimeSpan.FromSeconds(1));
                Assert.That(async () => await accept, Throws.InstanceOf<SqliteException>());
            }

            await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 0, Generous);
            Assert.Multiple(async () =>
            {
                Assert.That(sink.Count("OPS-2"), Is.Zero, "nothing of a refused event reached the third party");
                Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => r.IssueKey), Has.None.EqualTo("OPS-2"), "and nothing of it was recorded");
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            });

            // Forge's retry: accepted as new, run once; the refused run gave its slot and share back.
            await RunOneAsync(kit, sink, tenant, "OPS-2");
            await RunOneAsync(kit, sink, tenant, "OPS-3");
            Assert.That(sink.Count("OPS-2"), Is.EqualTo(1));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None).WaitAsync(Generous); // bounded: a run that never ends must fail the test, not hang it
        }
    }

    [Test]
    public async Task Two_deliveries_of_one_event_started_beside_their_accepts_reach_the_third_party_once()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(Room);
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await WarmUpAsync(kit, sink, tenant);

            // Forge delivers the same event twice at once (its retry of a slow answer) while the first's run is in flight
            // beside its accept: one message id per event, so the second does not start beside it, and it commits as a
            // duplicate of the first in the same group transaction.
            var evt = QueueKit.Event("OPS-5");
            Task<IngestResult> first, second;
            await using (var held = await HoldWriteLockAsync(kit))
            {
                // Both accepts reach the writer (counted, not seen waiting: under load the writer took them into one batch
                // at once, and a poll for a waiting write saw none; stop 41) and wait there for the lock.
                var before = kit.Queue.WritesSubmitted;
                first = kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None);
                await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 1, Generous);
                second = kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None);
                var pending = (first, second);
                await Waits.UntilAsync(() => Task.FromResult(kit.Queue.WritesSubmitted - before), n => n >= 2 || pending.first.IsCompleted || pending.second.IsCompleted, Generous);
                Assert.That(new[] { first, second }.Where(t => t.IsCompleted), Is.Empty, () => "both accepts wait behind the held lock; ended early: " + Ended(first, second));
            }

            Assert.That(new[] { await first, await second }, Is.EquivalentTo(new[] { IngestResult.Accepted, IngestResult.AlreadyQueued }));
            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Any(x => x.IssueKey == "OPS-5"), Generous);
            await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 0, Generous);
            Assert.Multiple(async () =>
            {
                Assert.That(sink.Count("OPS-5"), Is.EqualTo(1), "sent once");
                Assert.That(runs.Count(r => r.IssueKey == "OPS-5"), Is.EqualTo(1), "one record");
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            });
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None).WaitAsync(Generous); // bounded: a run that never ends must fail the test, not hang it
        }
    }

    /// <summary>
    /// The same event delivered twice at once, the other way round: the second delivery's accept commits first (its row
    /// leased to the worker, handed off), while the first delivery's run, started beside its own accept, is still in
    /// flight, and only then is that accept settled as not committed (it failed, was withdrawn, or found the second's
    /// row: on another thread, so it may come just after the hand-off). The hand-off found the message "still running",
    /// gave its row back leased to nobody, and the event ran only when the lease had expired (Runs:LeaseSeconds, on the
    /// injected clock, never moved here). Now the hand-off waits for that accept and runs the event at once, once.
    /// The first delivery's part is played through the worker's hand-off interface, as its accept would (the order of
    /// two threads cannot be forced through the ingress); the second delivery goes through the real ingress.
    /// </summary>
    [Test]
    public async Task A_duplicate_accepted_while_the_first_deliverys_early_run_is_settling_runs_at_once_and_once()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(Room);
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await WarmUpAsync(kit, sink, tenant);

            var evt = QueueKit.Event("OPS-8");
            var dedupKey = EventIngestor.DedupKey(evt);
            var id = RunIds.MessageFor(tenant.Id, dedupKey);
            var first = new RunMessage(tenant, RunSource.Event, evt.Body.ToJsonString(), kit.Clock.GetUtcNow(), Id: id, DedupKey: dedupKey);
            var firstAccept = ((IRunHandOff)worker).TryStartEarly(
                new ClaimedMessage(id, tenant.TenantId, "event", null, 1, first.ReceivedAt, "not-read: the run has the message"), first);
            Assert.That(firstAccept, Is.Not.Null, "the first delivery's run started beside its accept");
            Assert.That(worker.InFlight, Is.EqualTo(1));

            // The second delivery: accepted, its row committed leased to the worker and handed off.
            Assert.That(await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NOT NULL"), Is.EqualTo(1), "written leased: handed off, not left for the claim loop");

            // Only now is the first delivery's accept settled: it did not commit.
            firstAccept!.Withdraw();

            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Any(x => x.IssueKey == "OPS-8"), Generous);
            await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
            await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 0, Generous);
            Assert.Multiple(async () =>
            {
                Assert.That(sink.Count("OPS-8"), Is.EqualTo(1), "sent once");
                Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Count(r => r.IssueKey == "OPS-8"), Is.EqualTo(1), "one record");
                Assert.That(runs.Single(r => r.IssueKey == "OPS-8").Status, Is.EqualTo(RunStatus.Succeeded));
            });

            // The slot and share the deferred start kept were given back: the tenant's next event runs.
            await RunOneAsync(kit, sink, tenant, "OPS-9");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None).WaitAsync(Generous); // bounded: a run that never ends must fail the test, not hang it
        }
    }

    [Test]
    public async Task A_run_started_beside_an_accept_that_finds_an_older_message_waiting_stops_and_the_claim_loop_runs_it_once()
    {
        await using var sink = await SlowSink.StartAsync();
        var logs = new CapturedLogs();
        await using var kit = QueueKit.Create(
            new Dictionary<string, string?> { ["Runs:WorkerConcurrency"] = "4", ["Runs:PerTenantConcurrency"] = "1" },
            s => s.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)));
        var hanging = QueueKit.NewTenant();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(hanging, sink.Address, path: "/HANG/{{ issue.key }}");
        await kit.RuleAsync(tenant, sink.Address);
        await kit.ScalarAsync("CREATE TABLE probe (tenant TEXT, leased INTEGER);");
        await kit.ScalarAsync("CREATE TRIGGER probe_insert AFTER INSERT ON run_queue BEGIN INSERT INTO probe VALUES (NEW.tenant, NEW.lease_until IS NOT NULL); END;");
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await WarmUpAsync(kit, sink, tenant);
            using var waits = new QueueWaitSamples();

            // The hanging tenant's run holds its only share; a copy of its row waits, claimable but not for that tenant
            // now. Written behind the queue's back, so the queue does not know something waits when the next accept starts.
            Assert.That(await kit.Ingress.IngestAsync(hanging, QueueKit.Event("OPS-100"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == 1, Generous);
            await kit.ScalarAsync(
                "INSERT INTO run_queue (id, tenant, source, rule_id, enqueued_at, attempts, lease_until, body, size, installed) "
                + "SELECT 'older-copy', tenant, source, rule_id, enqueued_at, 0, NULL, body, size, installed FROM run_queue WHERE tenant = $t;",
                ("$t", hanging.TenantId));

            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            await Waits.UntilAsync(async () => (await kit.RunsOfAsync(tenant.TenantId)).Count(r => r.IssueKey == "OPS-2"), n => n == 1, Generous);
            Assert.Multiple(async () =>
            {
                Assert.That(await kit.ScalarAsync("SELECT leased FROM probe WHERE tenant = $t ORDER BY rowid DESC LIMIT 1", ("$t", tenant.TenantId)), Is.Zero,
                    "written waiting: an accept never overtakes a message that waits");
                Assert.That(logs.Lines.Count(l => l.Contains("started before its accepting transaction committed", StringComparison.Ordinal)), Is.EqualTo(1),
                    "the run started beside the accept stopped unsent");
                Assert.That(sink.Count("OPS-2"), Is.EqualTo(1), "the claim loop ran it, once");
                Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Count(r => r.IssueKey == "OPS-2"), Is.EqualTo(1));
                Assert.That(waits.Count, Is.EqualTo(2),
                    "one queue-wait sample per run started (OPS-100, then OPS-2 by its claim): the withdrawn start counts none");
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None).WaitAsync(Generous); // bounded: a run that never ends must fail the test, not hang it
        }
    }

    [Test]
    public async Task A_run_started_beside_an_accept_that_commits_while_the_worker_drains_runs_once_on_the_next_start()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(Room);
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        await WarmUpAsync(kit, sink, tenant);
        Task<IngestResult> accept;
        Task drain;
        await using (var held = await HoldWriteLockAsync(kit))
        {
            accept = kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-8"), null, null, CancellationToken.None);
            await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 1, Generous);
            drain = worker.StopAsync(CancellationToken.None);
        }

        Assert.That(await accept, Is.EqualTo(IngestResult.Accepted), "committed after the drain began");
        await drain.WaitAsync(Generous);
        Assert.Multiple(async () =>
        {
            Assert.That(sink.Count("OPS-8"), Is.Zero, "the draining worker did not run it");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NOT NULL"), Is.EqualTo(1), "durable, leased");
        });

        var next = kit.Worker();
        await next.StartAsync(CancellationToken.None);
        try
        {
            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Any(x => x.IssueKey == "OPS-8"), Generous);
            Assert.Multiple(() =>
            {
                Assert.That(runs.Where(r => r.IssueKey == "OPS-8").Select(r => r.Status), Is.EqualTo(new[] { RunStatus.Succeeded }), "the next start ran it, once");
                Assert.That(sink.Count("OPS-8"), Is.EqualTo(1));
            });
        }
        finally
        {
            await next.StopAsync(CancellationToken.None).WaitAsync(Generous);
        }
    }

    /// <summary>
    /// Two events run before the case: the first start's claims (the previous process's suspects, none here) wake the
    /// claim loop, whose claim holds every free slot while it waits for the writer; once they found nothing, an idle
    /// worker's loop sleeps until something waits, so the case's accept finds its slot free.
    /// </summary>
    /// <summary>Counts <c>blubees.queue.wait</c> samples while it lives (the fixture is non-parallelizable).</summary>
    private sealed class QueueWaitSamples : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public QueueWaitSamples()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BluBeesMetrics.MeterName && instrument.Name == "blubees.queue.wait")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _count));
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static async Task WarmUpAsync(QueueKit kit, SlowSink sink, Engine.Tenancy.TenantContext tenant)
    {
        await RunOneAsync(kit, sink, tenant, "OPS-9001");
        await Waits.UntilAsync(() => Task.FromResult(kit.Queue.SuspectsMayExist), maybe => !maybe, Generous);
        await RunOneAsync(kit, sink, tenant, "OPS-9002");
    }

    private static string Ended(params Task<IngestResult>[] accepts)
        => string.Join("; ", accepts.Select((t, i) => $"#{i + 1} {t.Status} {(t.IsCompletedSuccessfully ? t.Result.ToString() : t.Exception?.GetBaseException().ToString())}"));

    /// <summary>Accepts <paramref name="key"/>'s event and waits until it ran and nothing is in flight.</summary>
    private static async Task RunOneAsync(QueueKit kit, SlowSink sink, Engine.Tenancy.TenantContext tenant, string key)
    {
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event(key), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        await Waits.UntilAsync(async () => (await kit.RunsOfAsync(tenant.TenantId)).Count(r => r.IssueKey == key), n => n == 1, Generous);
        await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        Assert.That(sink.Count(key), Is.GreaterThan(0));
    }

    /// <summary>Another connection holds SQLite's write lock until disposed (then rolls back: nothing of it is kept).</summary>
    private static async Task<IAsyncDisposable> HoldWriteLockAsync(QueueKit kit)
    {
        var other = new SqliteConnection($"Data Source={kit.DatabasePath};Pooling=False");
        await other.OpenAsync();
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync();
        }

        return new Held(other);
    }

    private sealed class Held(SqliteConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (var rollback = connection.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK;";
                await rollback.ExecuteNonQueryAsync();
            }

            await connection.DisposeAsync();
        }
    }
}
