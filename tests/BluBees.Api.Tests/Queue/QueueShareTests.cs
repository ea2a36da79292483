using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// One tenant's flood cannot get another tenant's events refused: a tenant's messages may fill at most
/// <c>Runs:PerTenantQueuePercent</c> of the durable queue (real SQLite queue, no worker running, so everything
/// accepted stays queued). Found by an adversarial sweep: with one global capacity, a tenant that filled the
/// queue got every other tenant's event and all four of Forge's redeliveries refused.
/// </summary>
public sealed class QueueShareTests
{
    [Test]
    public async Task A_tenant_flooding_the_queue_gets_its_own_events_refused_and_never_another_tenants()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:QueueCapacity"] = "20" });
        var flooder = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        await kit.RuleAsync(flooder, sink.Address);
        await kit.RuleAsync(quiet, sink.Address);

        var flood = new List<IngestResult>();
        for (var i = 0; i < 40; i++)
        {
            flood.Add(await kit.Ingress.IngestAsync(flooder, QueueKit.Event("OPS-" + (100 + i)), null, null, CancellationToken.None));
        }

        Assert.That(flood.Count(r => r == IngestResult.Accepted), Is.EqualTo(10), "half of the capacity (the default share, 50 %)");
        Assert.That(flood.Skip(10), Has.All.EqualTo(IngestResult.Unavailable), "past its share the flooder gets 503, which Forge retries");

        for (var i = 0; i < 8; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), $"the other tenant's event {i}");
        }

        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(18));
        Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-8"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
            "the last eighth of the queue is kept for tenants with nothing queued");
    }

    /// <summary>
    /// Two tenants flooding at once (a bulk edit in two sites, two looping rules) each hold their 50 % share: with
    /// nothing kept back they filled the whole queue between them, and every other tenant's event, with all of Forge's
    /// redeliveries, was refused. The last eighth of the capacity (<c>QueueReserve</c>) is kept for tenants that have
    /// nothing queued, as the worker keeps a reserve of workers (TenantShares). Counting, not timing.
    /// </summary>
    [Test]
    public async Task Two_tenants_flooding_the_queue_cannot_get_a_third_tenants_event_refused()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:QueueCapacity"] = "20" });
        var first = QueueKit.NewTenant();
        var second = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        var another = QueueKit.NewTenant();
        var late = QueueKit.NewTenant();
        foreach (var tenant in new[] { first, second, quiet, another, late })
        {
            await kit.RuleAsync(tenant, sink.Address);
        }

        var floods = new List<int>();
        foreach (var flooder in new[] { first, second })
        {
            var accepted = 0;
            for (var i = 0; i < 40; i++)
            {
                accepted += await kit.Ingress.IngestAsync(flooder, QueueKit.Event("OPS-" + (100 + i)), null, null, CancellationToken.None) == IngestResult.Accepted ? 1 : 0;
            }

            floods.Add(accepted);
        }

        Assert.That(floods, Is.EqualTo(new[] { 10, 8 }), "the second flooder stops short of the reserve (2 of 20)");
        Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted),
            "a tenant with nothing queued is accepted while two others flood");
        Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-2"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
            "the reserve is for tenants with nothing queued");
        Assert.That(await kit.Ingress.IngestAsync(another, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(20));
        Assert.That(await kit.Ingress.IngestAsync(late, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
            "the capacity still bounds the whole queue");
    }

    /// <summary>
    /// While two tenants flood, the reserve admitted a third tenant only while it had nothing queued, so a quiet
    /// tenant's bulk edit of a few issues (events arriving together) got every event but one refused until the first
    /// ran, and after Forge's four retries the rest were lost. A tenant may now take the reserve while it holds less
    /// than an eighth of it (at least one message): at the defaults 156 of the 1,250 kept, here 12 of 100. Counting,
    /// not timing.
    /// </summary>
    [Test]
    public async Task Two_tenants_flooding_the_queue_leave_a_quiet_tenant_room_for_a_burst_of_its_own()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:QueueCapacity"] = "800" });
        var first = QueueKit.NewTenant();
        var second = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        var another = QueueKit.NewTenant();
        foreach (var tenant in new[] { first, second, quiet, another })
        {
            await kit.RuleAsync(tenant, sink.Address);
        }

        async Task<int> FloodAsync(Engine.Tenancy.TenantContext tenant, int events)
        {
            var accepted = 0;
            for (var i = 0; i < events; i++)
            {
                accepted += await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-" + (1000 + i)), null, null, CancellationToken.None) == IngestResult.Accepted ? 1 : 0;
            }

            return accepted;
        }

        Assert.That(new[] { await FloodAsync(first, 450), await FloodAsync(second, 400) }, Is.EqualTo(new[] { 400, 300 }),
            "the first flooder holds its share, the second stops at the reserve (100 of 800)");
        Assert.That(await FloodAsync(quiet, 20), Is.EqualTo(12), "the quiet tenant's burst takes up to an eighth of the reserve");
        Assert.That(await FloodAsync(another, 20), Is.EqualTo(12), "and so does the next quiet tenant's");
        Assert.That(await FloodAsync(first, 5) + await FloodAsync(second, 5), Is.Zero, "the flooders still get nothing of the reserve");
    }

    /// <summary>
    /// The share holds in bytes too: a message can carry about 1 MiB of event body, so a count alone let one tenant's
    /// flood of large events take gigabytes of the disk every tenant shares (half of 10,000 messages). Counting, not
    /// timing: each flooder is accepted exactly while it holds less than its share of <c>Runs:QueueCapacityMegabytes</c>.
    /// </summary>
    [Test]
    public async Task A_tenant_flooding_the_queue_with_large_events_gets_its_own_refused_past_its_share_of_the_bytes_and_never_another_tenants()
    {
        const long Capacity = 8 * 1024 * 1024;
        const long Share = Capacity / 2; // 50 %; the reserve is an eighth (1 MiB), more than one of these messages
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:QueueCapacityMegabytes"] = "8" });
        var flooder = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        var second = QueueKit.NewTenant();
        var third = QueueKit.NewTenant();
        foreach (var tenant in new[] { flooder, quiet, second, third })
        {
            await kit.RuleAsync(tenant, sink.Address);
        }

        var flood = await FloodAsync(kit, flooder);
        var accepted = flood.Count(r => r == IngestResult.Accepted);
        var sizes = await SizesAsync(kit, flooder.TenantId);
        Assert.Multiple(() =>
        {
            Assert.That(accepted, Is.InRange(2, 10), "a few large events, far fewer than the 5,000 of the message share");
            Assert.That(flood.Skip(accepted), Has.All.EqualTo(IngestResult.Unavailable), "past its share the flooder gets 503, which Forge retries");
            Assert.That(sizes, Has.Count.EqualTo(accepted));
            Assert.That(sizes.Sum() - sizes[^1], Is.LessThan(Share), "each accepted while the tenant held less than its share");
            Assert.That(sizes.Sum(), Is.GreaterThanOrEqualTo(Share), "and refused once it held its share");
        });

        for (var i = 0; i < 10; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), $"the other tenant's event {i}");
        }

        Assert.That((await FloodAsync(kit, second)).Count(r => r == IngestResult.Accepted), Is.InRange(2, 10), "a second flooder has its own share");
        Assert.That(await kit.ScalarAsync("SELECT CAST(TOTAL(size) AS INTEGER) FROM run_queue"), Is.LessThan(Capacity),
            "the two flooders stopped short of the last eighth of the bytes");
        Assert.That((await FloodAsync(kit, third)).Count(r => r == IngestResult.Accepted), Is.EqualTo(1),
            "a tenant with nothing queued takes the reserve while two others flood; its second message does not");
        var refused = false;
        for (var i = 0; i < 4 && !refused; i++)
        {
            var fresh = QueueKit.NewTenant();
            await kit.RuleAsync(fresh, sink.Address);
            refused = (await FloodAsync(kit, fresh, count: 1)).Single() == IngestResult.Unavailable;
        }

        Assert.That(refused, Is.True, "the capacity in bytes still bounds the whole queue");
    }

    /// <summary>A queue file from before the byte share (no <c>size</c> column) opens, keeps its waiting message and sizes new ones.</summary>
    [Test]
    public async Task A_queue_file_from_before_the_byte_share_opens_keeps_its_waiting_message_and_sizes_new_ones()
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            await using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "blubees.db")};Pooling=False"))
            {
                await old.OpenAsync();
                await using var create = old.CreateCommand();
                create.CommandText = """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE run_queue (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant TEXT NOT NULL, source TEXT NOT NULL,
                        rule_id TEXT NULL, enqueued_at INTEGER NOT NULL, attempts INTEGER NOT NULL, lease_until INTEGER NULL,
                        dedup_pk TEXT NULL, dedup_sk TEXT NULL, body TEXT NOT NULL);
                    CREATE INDEX run_queue_by_tenant ON run_queue (tenant, seq);
                    INSERT INTO run_queue (id, tenant, source, enqueued_at, attempts, body) VALUES ('msg-old', 'tenant-old', 'event', 0, 0, 'ciphertext');
                    """;
                await create.ExecuteNonQueryAsync();
            }

            await using var sink = await SlowSink.StartAsync();
            await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory });
            var tenant = QueueKit.NewTenant();
            await kit.RuleAsync(tenant, sink.Address);
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            var first = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
            var second = await kit.Queue.ClaimAsync([], first?.TenantId, CancellationToken.None);
            Assert.Multiple(async () =>
            {
                Assert.That(new[] { first?.Id, second?.Id }, Does.Contain("msg-old"), "the waiting message is still claimable");
                Assert.That(await kit.ScalarAsync("SELECT size FROM run_queue WHERE tenant = $t", ("$t", tenant.TenantId)), Is.EqualTo(await kit.ScalarAsync("SELECT length(body) FROM run_queue WHERE tenant = $t", ("$t", tenant.TenantId))));
            });
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<List<IngestResult>> FloodAsync(QueueKit kit, Engine.Tenancy.TenantContext tenant, int count = 40)
    {
        var big = new string('x', 400 * 1024);
        var results = new List<IngestResult>();
        for (var i = 0; i < count; i++)
        {
            var evt = JiraEvent.From(Samples.Event("OPS-" + (100 + i), big + i), out _)!;
            results.Add(await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None));
        }

        return results;
    }

    private static async Task<List<long>> SizesAsync(QueueKit kit, string tenantId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={kit.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT length(body) FROM run_queue WHERE tenant = $tenant ORDER BY seq;";
        command.Parameters.AddWithValue("$tenant", tenantId);
        var sizes = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sizes.Add(reader.GetInt64(0));
        }

        return sizes;
    }

    [Test]
    public async Task The_share_follows_the_setting_and_is_at_least_one_message()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:QueueCapacity"] = "3", ["Runs:PerTenantQueuePercent"] = "10" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);

        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
            "10 % of 3 rounds down to 0, and a tenant may always queue one message");
    }
}
