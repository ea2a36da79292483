using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// An uninstalled tenant's backlog is purged in bounded writes of the queue's one writer, so other tenants' accepts,
/// claims and finishes wait for one batch at most, never for the size of that tenant's backlog: each write deletes at
/// most the batch (oldest first), and the writes together delete the tenant's messages and no other's, totals kept.
/// </summary>
public sealed class QueuePurgeBatchTests
{
    [Test]
    public async Task A_purge_deletes_a_batch_per_write_and_the_writes_delete_the_tenants_backlog_only()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var flooder = QueueKit.NewTenant();
        var other = QueueKit.NewTenant();
        await kit.RuleAsync(flooder, sink.Address);
        await kit.RuleAsync(other, sink.Address);
        for (var i = 0; i < 7; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(flooder, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(other, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        var tenant = new TenantId(flooder.TenantId);
        Assert.That(await kit.Queue.PurgeTenantBatchAsync(tenant, 3, CancellationToken.None), Is.EqualTo(3), "one write deletes at most the batch");
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $t", ("$t", flooder.TenantId)), Is.EqualTo(4));

        Assert.That(await kit.Queue.PurgeTenantAsync(tenant, 3, CancellationToken.None), Is.EqualTo(4));
        Assert.Multiple(async () =>
        {
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $t", ("$t", flooder.TenantId)), Is.Zero);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $t", ("$t", other.TenantId)), Is.EqualTo(2));
            Assert.That(await kit.ScalarAsync("SELECT messages FROM run_queue_total"), Is.EqualTo(2), "the totals follow the batches");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue_tenant_total WHERE tenant = $t", ("$t", flooder.TenantId)), Is.Zero);
        });
    }
}
