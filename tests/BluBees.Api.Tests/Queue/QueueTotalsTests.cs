using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Admission reads the queue's totals (whole, and per tenant) from rows that triggers keep, instead of counting the
/// queue on every accept (which cost the queue's depth: docs/benchmarks.md, "Deep queue"). These tests hold the
/// totals to the rows they summarise through every writer (accept, run, purge), and show that a file whose totals are
/// missing or wrong is recounted when it is opened, so the shares are never decided on a stale count.
/// </summary>
public sealed class QueueTotalsTests
{
    [Test]
    public async Task The_totals_follow_the_rows_through_accepts_runs_and_a_purge_and_a_tenant_with_nothing_queued_has_no_row()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var first = QueueKit.NewTenant();
        var second = QueueKit.NewTenant();
        await kit.RuleAsync(first, sink.Address);
        await kit.RuleAsync(second, sink.Address);
        for (var i = 0; i < 5; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(first, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(second, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        await AssertTotalsMatchRowsAsync(kit, expectedMessages: 8);
        Assert.That(await kit.ScalarAsync("SELECT messages FROM run_queue_tenant_total WHERE tenant = $t", ("$t", first.TenantId)), Is.EqualTo(5));

        Assert.That(await kit.Queue.PurgeTenantAsync(new TenantId(second.TenantId), CancellationToken.None), Is.EqualTo(3));
        await AssertTotalsMatchRowsAsync(kit, expectedMessages: 5);
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue_tenant_total WHERE tenant = $t", ("$t", second.TenantId)), Is.Zero,
            "a purged tenant leaves no row behind");

        await kit.RunQueueUntilEmptyAsync();
        await AssertTotalsMatchRowsAsync(kit, expectedMessages: 0);
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue_tenant_total"), Is.Zero, "every run finished, so no tenant has a row");
        Assert.That(await kit.RunsOfAsync(first.TenantId), Has.Count.EqualTo(5), "the five events ran");
    }

    [TestCase("DROP TRIGGER run_queue_counted_in; DROP TRIGGER run_queue_counted_out; DROP TRIGGER run_queue_counted_moved; DROP TABLE run_queue_total; DROP TABLE run_queue_tenant_total;",
        TestName = "A file without the totals (an older release's) is counted when it is opened")]
    [TestCase("UPDATE run_queue_total SET messages = 0, bytes = 0; DELETE FROM run_queue_tenant_total;",
        TestName = "A file whose totals are wrong is recounted when it is opened")]
    public async Task A_file_is_recounted_on_open_so_a_flooding_tenant_still_holds_only_its_share(string tamper)
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory, ["Runs:QueueCapacity"] = "20" };
        try
        {
            await using var sink = await SlowSink.StartAsync();
            var flooder = QueueKit.NewTenant();
            await using (var before = QueueKit.Create(settings))
            {
                await before.RuleAsync(flooder, sink.Address);
                var accepted = 0;
                for (var i = 0; i < 12; i++)
                {
                    accepted += await before.Ingress.IngestAsync(flooder, QueueKit.Event("OPS-" + (100 + i)), null, null, CancellationToken.None) == IngestResult.Accepted ? 1 : 0;
                }

                Assert.That(accepted, Is.EqualTo(10), "half of the capacity (the default share)");
            }

            await using (var file = new SqliteConnection($"Data Source={Path.Combine(directory, "blubees.db")};Pooling=False"))
            {
                await file.OpenAsync();
                await using var command = file.CreateCommand();
                command.CommandText = tamper;
                await command.ExecuteNonQueryAsync();
            }

            await using var after = QueueKit.Create(settings);
            await AssertTotalsMatchRowsAsync(after, expectedMessages: 10);
            Assert.That(await after.Ingress.IngestAsync(flooder, QueueKit.Event("OPS-200"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
                "the flooder still holds its share after the restart");
            var quiet = QueueKit.NewTenant();
            await after.RuleAsync(quiet, sink.Address);
            Assert.That(await after.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            await AssertTotalsMatchRowsAsync(after, expectedMessages: 11);
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

    private static async Task AssertTotalsMatchRowsAsync(QueueKit kit, long expectedMessages)
    {
        var rows = await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue");
        var bytes = await kit.ScalarAsync("SELECT IFNULL(SUM(size), 0) FROM run_queue");
        Assert.Multiple(async () =>
        {
            Assert.That(rows, Is.EqualTo(expectedMessages));
            Assert.That(await kit.ScalarAsync("SELECT messages FROM run_queue_total"), Is.EqualTo(rows), "whole queue, messages");
            Assert.That(await kit.ScalarAsync("SELECT bytes FROM run_queue_total"), Is.EqualTo(bytes), "whole queue, bytes");
            Assert.That(await kit.ScalarAsync("""
                SELECT COUNT(*) FROM (SELECT tenant, COUNT(*) AS m, SUM(size) AS b FROM run_queue GROUP BY tenant) q
                FULL OUTER JOIN run_queue_tenant_total t ON t.tenant = q.tenant
                WHERE t.tenant IS NULL OR q.tenant IS NULL OR t.messages <> q.m OR t.bytes <> q.b
                """), Is.Zero, "every tenant's row matches its messages, and no tenant without messages has one");
        });
    }
}
