using BluBees.Api.Tests.Harness;
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

        for (var i = 0; i < 10; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), $"the other tenant's event {i}");
        }

        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(20));
        var third = QueueKit.NewTenant();
        await kit.RuleAsync(third, sink.Address);
        Assert.That(await kit.Ingress.IngestAsync(third, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
            "the capacity still bounds the whole queue");
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
