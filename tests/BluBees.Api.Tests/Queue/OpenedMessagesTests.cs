using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A message accepted into the embedded queue is kept opened until its claim (issue 14: the claim no longer decrypts
/// and parses what the accept had just sealed). Only the exact ciphertext the accept wrote is answered from memory, an
/// open takes the entry, and an uninstall's purge drops the tenant's entries.
/// </summary>
public sealed class OpenedMessagesTests
{
    [Test]
    public async Task A_waiting_message_is_kept_opened_until_its_claim_opens_it_and_then_nothing_is_kept()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        var keptAfterAccept = kit.Queue.OpenedKept;

        var claimed = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        Assert.That(claimed, Is.Not.Null);
        var message = await kit.Queue.OpenAsync(claimed!, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(keptAfterAccept, Is.EqualTo(1), "no worker: the row waits, and its message is kept opened");
            Assert.That(kit.Queue.OpenedKept, Is.Zero, "the open took it");
            Assert.That(message.Id, Is.EqualTo(claimed!.Id));
            Assert.That(message.Tenant.TenantId, Is.EqualTo(tenant.TenantId));
            Assert.That(message.Payload, Does.Contain("OPS-1"));
        });
    }

    [Test]
    public async Task A_row_whose_ciphertext_changed_since_the_accept_is_opened_from_the_store_not_from_memory()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        // Another text in the row (as a re-seal would leave): the kept message must not stand in for it. This one does
        // not open at all, so an answer can only have come from memory.
        Assert.That(await kit.ScalarAsync("UPDATE run_queue SET body = 'AAAA' || body; SELECT changes();"), Is.EqualTo(1));

        var claimed = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        Assert.That(claimed, Is.Not.Null);
        Assert.That(async () => await kit.Queue.OpenAsync(claimed!, CancellationToken.None), Throws.InstanceOf<Exception>());
        Assert.That(kit.Queue.OpenedKept, Is.Zero, "the mismatched entry is dropped, not kept for later");
    }

    [Test]
    public async Task An_uninstalls_purge_drops_the_tenants_kept_messages_and_keeps_the_others()
    {
        await using var kit = QueueKit.Create();
        var gone = QueueKit.NewTenant();
        var stays = QueueKit.NewTenant();
        await kit.RuleAsync(gone, new Uri("http://127.0.0.1:9/"));
        await kit.RuleAsync(stays, new Uri("http://127.0.0.1:9/"));
        foreach (var (tenant, key) in new[] { (gone, "OPS-1"), (gone, "OPS-2"), (stays, "OPS-3") })
        {
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event(key), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        var before = kit.Queue.OpenedKept;
        var purged = await kit.Queue.PurgeTenantAsync(new TenantId(gone.TenantId), CancellationToken.None);
        var after = kit.Queue.OpenedKept;
        var claimed = await kit.Queue.ClaimAsync([], null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo(3));
            Assert.That(purged, Is.EqualTo(2));
            Assert.That(after, Is.EqualTo(1), "only the other tenant's message is still kept");
            Assert.That(claimed?.TenantId, Is.EqualTo(stays.TenantId));
        });
        Assert.That((await kit.Queue.OpenAsync(claimed!, CancellationToken.None)).Payload, Does.Contain("OPS-3"));
        Assert.That(kit.Queue.OpenedKept, Is.Zero);
    }

    [Test]
    public async Task Messages_run_by_the_worker_leave_nothing_kept_and_each_its_one_record()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        for (var i = 10; i < 30; i++)
        {
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        }

        var kept = kit.Queue.OpenedKept;
        await kit.RunQueueUntilEmptyAsync();
        var runs = await kit.RunsOfAsync(tenant.TenantId);

        Assert.Multiple(() =>
        {
            Assert.That(kept, Is.EqualTo(20), "accepted before any worker: all waiting, all kept");
            Assert.That(kit.Queue.OpenedKept, Is.Zero);
            Assert.That(runs, Has.Count.EqualTo(20), "one record per event");
            Assert.That(runs.Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded));
            Assert.That(Enumerable.Range(10, 20).Select(i => sink.Count("OPS-" + i)), Is.All.EqualTo(1), "each step ran once");
        });
    }
}
