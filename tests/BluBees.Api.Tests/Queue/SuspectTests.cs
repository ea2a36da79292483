using System.Collections.Concurrent;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Tenancy;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Suspects (SqliteRunQueue.Suspects.cs): the messages the previous process held when it died each run alone, so
/// that one that takes the process down costs its batch-mates no more deliveries. The claim rules on the queue
/// itself (real SQLite, fake clock, claims made by hand as the worker makes them), then the worker over a loopback
/// third party that records which requests overlapped. The crash loop itself, with real process kills:
/// <see cref="CrashLoopTests"/>.
/// </summary>
public sealed class SuspectTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, int> Nothing = [];

    [Test]
    public async Task A_suspect_waits_for_the_runs_in_flight_then_runs_alone_and_batched_claims_resume_when_none_is_left()
    {
        await using var kit = QueueKit.Create();
        var (a, b, c) = await TenantsAsync(kit);
        foreach (var tenant in new[] { a, b, c })
        {
            await AcceptAsync(kit, tenant, "OPS-1");
        }

        // The previous process held a's and b's messages when it died; c's it had given back in a clean drain.
        var held = await kit.Queue.ClaimManyAsync(3, Nothing, 8, null, CancellationToken.None);
        Assert.That(held.Select(m => m.TenantId), Is.EqualTo(new[] { a.TenantId, b.TenantId, c.TenantId }));
        await kit.Queue.ReleaseAsync(held[2], [], CancellationToken.None);
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(2));
        Assert.Multiple(async () =>
        {
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE suspect = 1 AND tenant IN ($a, $b)", ("$a", a.TenantId), ("$b", b.TenantId)), Is.EqualTo(2));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE suspect = 0 AND attempts = 0 AND drains = 1 AND tenant = $c", ("$c", c.TenantId)), Is.EqualTo(1),
                "a drain's give-back is no crash: not a suspect, its delivery given back and the drain counted apart");
        });

        // Something runs: the suspect waits, and nothing else is claimed meanwhile (c's message neither).
        Assert.That(await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [c.TenantId] = 1 }, 8, null, CancellationToken.None), Is.Empty);

        // Nothing runs: the oldest suspect, alone.
        var first = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((first.Id, first.Suspect, first.Attempts), Is.EqualTo((held[0].Id, true, 2)));

        // While it runs: nothing is claimed beside it, nothing handed off.
        var handOff = new RecordingHandOff();
        kit.Queue.Attach(handOff);
        Assert.That(await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [a.TenantId] = 1 }, 8, null, CancellationToken.None), Is.Empty);
        Assert.That(await kit.Queue.ClaimAsync([], null, CancellationToken.None), Is.Null);
        await AcceptAsync(kit, c, "OPS-2");
        Assert.Multiple(async () =>
        {
            Assert.That(handOff.Reserved, Is.Empty, "no hand-off beside a suspect");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $c AND lease_until IS NULL", ("$c", c.TenantId)), Is.EqualTo(2), "accepted, and waiting");
        });

        // Its record written: the next suspect, alone too.
        await kit.Queue.CompleteAsync(first, [], CancellationToken.None);
        var second = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((second.Id, second.Suspect), Is.EqualTo((held[1].Id, true)));
        await kit.Queue.CompleteAsync(second, [], CancellationToken.None);

        // No suspect left: one batch again, and hand-offs again.
        var rest = await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(rest.Select(m => (m.TenantId, m.Suspect)), Is.EqualTo(new[] { (c.TenantId, false), (c.TenantId, false) }));
            Assert.That(kit.Queue.SuspectsMayExist, Is.False, "the claims read no suspect any more");
        });
        await AcceptAsync(kit, a, "OPS-3");
        Assert.That(handOff.Started.Select(s => s.Claimed.TenantId), Is.EqualTo(new[] { a.TenantId }));
    }

    [Test]
    public async Task A_tenants_messages_keep_their_order_around_its_suspect()
    {
        await using var kit = QueueKit.Create();
        var (a, b, _) = await TenantsAsync(kit);
        foreach (var key in new[] { "OPS-1", "OPS-2", "OPS-3" })
        {
            await AcceptAsync(kit, a, key);
        }

        await AcceptAsync(kit, b, "OPS-9");

        // The previous process held a's first two; it had given the first back (a drain) before it died with the second.
        var held = await kit.Queue.ClaimManyAsync(2, new Dictionary<string, int> { [b.TenantId] = 8 }, 8, null, CancellationToken.None);
        Assert.That(held.Select(m => m.TenantId), Is.EqualTo(new[] { a.TenantId, a.TenantId }));
        await kit.Queue.ReleaseAsync(held[0], [], CancellationToken.None);
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(1));

        // The message a queued before its suspect goes first (alone: the suspect waits behind it, and b's too).
        var before = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((before.Id, before.Suspect), Is.EqualTo((held[0].Id, false)));
        Assert.That(await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [a.TenantId] = 1 }, 8, null, CancellationToken.None), Is.Empty);
        await kit.Queue.CompleteAsync(before, [], CancellationToken.None);

        var suspect = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((suspect.Id, suspect.Suspect), Is.EqualTo((held[1].Id, true)));
        await kit.Queue.CompleteAsync(suspect, [], CancellationToken.None);

        // Then a's younger message, with b's in the same batch.
        var rest = await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None);
        Assert.That(rest.Select(m => m.TenantId).Order(StringComparer.Ordinal), Is.EqualTo(new[] { a.TenantId, b.TenantId }));
    }

    [Test]
    public async Task A_suspect_whose_run_ended_unfinished_lets_the_others_run_until_its_lease_runs_out_then_waits_for_them()
    {
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:LeaseSeconds"] = "30" });
        var (a, b, _) = await TenantsAsync(kit);
        await AcceptAsync(kit, a, "OPS-1");
        await AcceptAsync(kit, b, "OPS-2");
        var held = (await kit.Queue.ClaimAsync([], null, CancellationToken.None))!;
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(1));
        var suspect = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((suspect.Id, suspect.Suspect), Is.EqualTo((held.Id, true)));

        // Its run ended without its record (the message did not open, the database failed): the worker says so, and
        // the row stays leased until its lease runs out. Not running, it holds nobody back meanwhile.
        kit.Queue.EndAlone(suspect.Id);
        var other = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((other.TenantId, other.Suspect), Is.EqualTo((b.TenantId, false)));

        kit.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.That(await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [b.TenantId] = 1 }, 8, null, CancellationToken.None), Is.Empty,
            "claimable again: it waits for the run in flight");
        await kit.Queue.CompleteAsync(other, [], CancellationToken.None);
        var again = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((again.Id, again.Suspect, again.Attempts), Is.EqualTo((held.Id, true, 3)));
    }

    [Test]
    public async Task A_file_from_before_the_column_gets_it_on_open_and_its_waiting_rows_are_not_suspects()
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory };
        var tenant = QueueKit.NewTenant();
        try
        {
            await using (var before = QueueKit.Create(settings))
            {
                await before.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
                await AcceptAsync(before, tenant, "OPS-1");
            }

            // An older release's file: no column, no index.
            await using (var file = new SqliteConnection($"Data Source={Path.Combine(directory, "blubees.db")};Pooling=False"))
            {
                await file.OpenAsync();
                await using var command = file.CreateCommand();
                command.CommandText = "DROP INDEX run_queue_suspects; ALTER TABLE run_queue DROP COLUMN suspect;";
                await command.ExecuteNonQueryAsync();
            }

            await using var after = QueueKit.Create(settings);
            Assert.Multiple(async () =>
            {
                Assert.That(await after.ScalarAsync("SELECT COUNT(*) FROM pragma_table_info('run_queue') WHERE name = 'suspect'"), Is.EqualTo(1));
                Assert.That(await after.ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'run_queue_suspects'"), Is.EqualTo(1));
                Assert.That(await after.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE suspect = 0"), Is.EqualTo(1));
            });
            var claimed = await after.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None);
            Assert.That(claimed.Select(m => (m.TenantId, m.Suspect)), Is.EqualTo(new[] { (tenant.TenantId, false) }));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Test]
    public async Task The_worker_runs_each_message_the_previous_process_held_alone_and_the_rest_after_them_in_order()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.Delay = TimeSpan.FromMilliseconds(300); // long enough for runs started together to overlap at the sink
        await using var kit = QueueKit.Create();
        var (a, b, c) = await TenantsAsync(kit, sink.Address);
        foreach (var key in new[] { "OPS-1", "OPS-2", "OPS-3" })
        {
            await AcceptAsync(kit, a, key);
        }

        await AcceptAsync(kit, b, "OPS-11");
        await AcceptAsync(kit, b, "OPS-12");

        // The previous process held a's first two messages and b's first when it died.
        var held = await kit.Queue.ClaimManyAsync(3, Nothing, 8, null, CancellationToken.None);
        Assert.That(held.Select(m => m.TenantId), Is.EqualTo(new[] { a.TenantId, b.TenantId, a.TenantId }));
        string[] suspects = ["/t/OPS-1", "/t/OPS-11", "/t/OPS-2"];

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // An event accepted while the suspects run waits for them (no hand-off, no claim beside a suspect).
            await Waits.UntilAsync(() => Task.FromResult(sink.Arrivals.Count), n => n > 0, Generous);
            await AcceptAsync(kit, c, "OPS-21");
            foreach (var tenant in new[] { a, b, c })
            {
                await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count == (tenant == a ? 3 : tenant == b ? 2 : 1), Generous);
            }

            await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        static string Key(string path) => path[path.LastIndexOf("/t/", StringComparison.Ordinal)..];
        var arrivals = sink.Arrivals.Select(x => (Path: Key(x.Path), Beside: x.Beside.Select(Key).ToArray())).ToList();
        var order = arrivals.Select(x => x.Path).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(arrivals.Where(x => suspects.Contains(x.Path)).Select(x => (x.Path, x.Beside.Length)), Is.EquivalentTo(suspects.Select(p => (p, 0))),
                "each suspect alone: nothing else in flight when it arrived");
            Assert.That(arrivals.Where(x => !suspects.Contains(x.Path)).SelectMany(x => x.Beside).Intersect(suspects), Is.Empty, "and nothing arrived beside it");
            Assert.That(order.Take(3), Is.EquivalentTo(suspects), "the suspects first");
            Assert.That(order.Where(p => p is "/t/OPS-1" or "/t/OPS-2" or "/t/OPS-3"), Is.EqualTo(new[] { "/t/OPS-1", "/t/OPS-2", "/t/OPS-3" }), "a's order kept");
            Assert.That(order.Order(StringComparer.Ordinal), Is.EqualTo(new[] { "/t/OPS-1", "/t/OPS-11", "/t/OPS-12", "/t/OPS-2", "/t/OPS-21", "/t/OPS-3" }), "each once");
            foreach (var tenant in new[] { a, b, c })
            {
                Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded));
            }
        });
    }

    [Test]
    public async Task Suspects_whose_host_hangs_run_alone_only_for_their_window_then_another_tenants_event_runs_beside_them()
    {
        // A tenant's third party accepts and never answers; the process died while two of the tenant's events were in
        // flight. Each suspect ran alone until its run ended (up to Runs:RunDeadlineSeconds, 2 hours), and every other
        // tenant's events waited for both. Now each runs alone for Runs:SuspectAloneSeconds: the next suspect, then the
        // others, run beside it.
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:SuspectAloneSeconds"] = "2" });
        var noisy = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        await kit.RuleAsync(noisy, sink.Address, path: "/HANG/{{ issue.key }}");
        await kit.RuleAsync(quiet, sink.Address);
        await AcceptAsync(kit, noisy, "OPS-1");
        await AcceptAsync(kit, noisy, "OPS-2");
        Assert.That(await kit.Queue.ClaimManyAsync(2, Nothing, 8, null, CancellationToken.None), Has.Count.EqualTo(2), "the previous process held both when it died");
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(2));
        await AcceptAsync(kit, quiet, "OPS-9");

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            for (var suspect = 1; suspect <= 2; suspect++)
            {
                await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == suspect, Generous);
                Assert.Multiple(() =>
                {
                    Assert.That(kit.Queue.Alone, Is.True, $"suspect {suspect} runs alone: the quiet tenant's event waits");
                    Assert.That(sink.Count("/t/"), Is.Zero);
                });
                kit.Clock.Advance(TimeSpan.FromSeconds(2)); // both windows together well inside the calls' own timeouts
            }

            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(quiet.TenantId), r => r.Count == 1, Generous);
            Assert.Multiple(async () =>
            {
                Assert.That(runs.Single().Status, Is.EqualTo(RunStatus.Succeeded));
                Assert.That(sink.Arrivals.Single(a => a.Path.EndsWith("/t/OPS-9", StringComparison.Ordinal)).Beside.Count(p => p.Contains("/HANG/OPS-", StringComparison.Ordinal)),
                    Is.EqualTo(2), "it ran while both of the noisy tenant's calls were still held");
                Assert.That(await kit.RunsOfAsync(noisy.TenantId), Is.Empty, "the suspects' runs go on");
            });

            sink.ReleaseHung();
            var noisyRuns = await Waits.UntilAsync(() => kit.RunsOfAsync(noisy.TenantId), r => r.Count == 2, Generous);
            Assert.Multiple(() =>
            {
                Assert.That(noisyRuns.Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded), "released from running alone, not cut off");
                Assert.That(sink.Count("/HANG/"), Is.EqualTo(2), "nor run twice");
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task Past_the_suspects_total_time_alone_the_remaining_suspects_are_claimed_with_the_others_even_while_one_runs()
    {
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:SuspectAloneTotalSeconds"] = "10", ["Runs:LeaseSeconds"] = "3600" });
        var (a, b, c) = await TenantsAsync(kit);
        await AcceptAsync(kit, a, "OPS-1");
        await AcceptAsync(kit, a, "OPS-2");
        await AcceptAsync(kit, b, "OPS-11");
        var held = await kit.Queue.ClaimManyAsync(3, Nothing, 8, null, CancellationToken.None);
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(3));
        await AcceptAsync(kit, c, "OPS-21");

        var first = (await kit.Queue.ClaimManyAsync(16, Nothing, 8, null, CancellationToken.None)).Single();
        Assert.That((first.Id, first.Suspect), Is.EqualTo((held[0].Id, true)));
        kit.Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.That(await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [a.TenantId] = 1 }, 8, null, CancellationToken.None), Is.Empty,
            "inside the total: the suspects still wait, and the others with them");

        // The total is spent (from the reclaim): no suspect waits for the worker to be idle any more, nor runs alone.
        kit.Clock.Advance(TimeSpan.FromSeconds(1));
        var rest = await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [a.TenantId] = 1 }, 8, null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(rest.Where(m => m.TenantId != c.TenantId).Select(m => m.Id), Is.EquivalentTo(held.Skip(1).Select(m => m.Id)), "the two suspects left");
            Assert.That(rest.Count(m => m.TenantId == c.TenantId), Is.EqualTo(1), "and the other tenant's event, in the same batch");
            Assert.That(rest.Select(m => m.Suspect), Is.All.False, "claimed like any message");
            Assert.That(rest.Where(m => m.TenantId != c.TenantId).Select(m => m.Attempts), Is.All.EqualTo(2), "still a counted delivery");
            Assert.That(kit.Queue.SuspectsMayExist, Is.False, "the claims read the suspects no more");
        });

        // The next start (the worker's reclaim) starts a new total.
        await kit.Queue.CompleteAsync(first, [], CancellationToken.None);
        await AcceptAsync(kit, c, "OPS-22");
        Assert.That(await kit.Queue.ClaimManyAsync(1, Nothing, 8, null, CancellationToken.None), Has.Count.EqualTo(1));
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(4));
        Assert.That(await kit.Queue.ClaimManyAsync(16, new Dictionary<string, int> { [a.TenantId] = 1 }, 8, null, CancellationToken.None), Is.Empty,
            "suspects again: they wait for the run in flight");
    }

    [Test]
    public async Task Many_hanging_suspects_of_one_tenant_hold_another_tenants_event_back_for_the_total_not_one_window_each()
    {
        // After a crash with four of one tenant's events in flight at a third party that accepts and never answers, each
        // suspect ran alone for its own window, one after another: the quiet tenant's event waited 4 x
        // Runs:SuspectAloneSeconds (4 minutes at the defaults; 8 events, two such tenants: much more). Now the suspects
        // run alone for Runs:SuspectAloneTotalSeconds in all from the worker's start.
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?>
        {
            ["Runs:SuspectAloneSeconds"] = "2",
            ["Runs:SuspectAloneTotalSeconds"] = "3",
        });
        var noisy = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        await kit.RuleAsync(noisy, sink.Address, path: "/HANG/{{ issue.key }}");
        await kit.RuleAsync(quiet, sink.Address);
        foreach (var key in new[] { "OPS-1", "OPS-2", "OPS-3", "OPS-4" })
        {
            await AcceptAsync(kit, noisy, key);
        }

        Assert.That(await kit.Queue.ClaimManyAsync(4, Nothing, 8, null, CancellationToken.None), Has.Count.EqualTo(4), "the previous process held all four when it died");
        Assert.That(await kit.Queue.ReclaimAllAsync(CancellationToken.None), Is.EqualTo(4));
        await AcceptAsync(kit, quiet, "OPS-9");

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == 1, Generous);
            Assert.That((kit.Queue.Alone, sink.Count("/t/")), Is.EqualTo((true, 0)), "the first suspect runs alone");
            kit.Clock.Advance(TimeSpan.FromSeconds(2)); // its own window
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == 2, Generous);
            Assert.That((kit.Queue.Alone, sink.Count("/t/")), Is.EqualTo((true, 0)), "the second runs alone, for what is left of the total");
            kit.Clock.Advance(TimeSpan.FromSeconds(1)); // the total: the second's own window is not over

            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(quiet.TenantId), r => r.Count == 1, Generous);
            // The two suspects left are claimed beside it (their calls wait in the connection's bulkhead behind the two
            // held ones): each delivered once more, none twice.
            await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $n AND attempts = 2 AND lease_until IS NOT NULL", ("$n", noisy.TenantId)), n => n == 4, Generous);
            await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 4, Generous); // the noisy tenant's four runs go on
            Assert.Multiple(async () =>
            {
                Assert.That(runs.Single().Status, Is.EqualTo(RunStatus.Succeeded));
                Assert.That(kit.Queue.Alone, Is.False);
                Assert.That(sink.Arrivals.Single(x => x.Path.EndsWith("/t/OPS-9", StringComparison.Ordinal)).Beside.Count(p => p.Contains("/HANG/OPS-", StringComparison.Ordinal)),
                    Is.GreaterThanOrEqualTo(2), "it ran while the noisy tenant's calls were still held");
                Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $n AND attempts > 2", ("$n", noisy.TenantId)), Is.Zero, "none delivered twice");
            });

            sink.ReleaseHung();
            var noisyRuns = await Waits.UntilAsync(() => kit.RunsOfAsync(noisy.TenantId), r => r.Count == 4, Generous);
            Assert.Multiple(() =>
            {
                Assert.That(noisyRuns.Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded), "released from running alone, not cut off");
                Assert.That(sink.Count("/HANG/"), Is.EqualTo(4), "nor run twice");
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<(TenantContext A, TenantContext B, TenantContext C)> TenantsAsync(QueueKit kit, Uri? target = null)
    {
        var tenants = new[] { QueueKit.NewTenant(), QueueKit.NewTenant(), QueueKit.NewTenant() }.OrderBy(t => t.TenantId, StringComparer.Ordinal).ToArray();
        foreach (var tenant in tenants)
        {
            await kit.RuleAsync(tenant, target ?? new Uri("http://127.0.0.1:9/"));
        }

        return (tenants[0], tenants[1], tenants[2]);
    }

    private static async Task AcceptAsync(QueueKit kit, TenantContext tenant, string issueKey)
        => Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event(issueKey), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), issueKey);

    /// <summary>Stands in for the worker's hand-off side: records what the queue asks of it.</summary>
    private sealed class RecordingHandOff : IRunHandOff
    {
        public ConcurrentQueue<string> Reserved { get; } = new();
        public ConcurrentQueue<(ClaimedMessage Claimed, RunMessage Message)> Started { get; } = new();

        public bool TryReserve(string tenant)
        {
            Reserved.Enqueue(tenant);
            return true;
        }

        public void Unreserve(string tenant)
        {
        }

        public void Start(ClaimedMessage claimed, RunMessage message) => Started.Enqueue((claimed, message));
    }
}
