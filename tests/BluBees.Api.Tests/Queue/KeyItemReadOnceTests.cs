using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Each finish decides whether the message belongs to the tenant's current installation from the creation time in the
/// tenant's key item; the queue keeps that parse per item text (issue 14). A key item that changed after an earlier
/// finish (a reinstall's new key) must be read afresh: a message accepted under the earlier installation still runs
/// its steps but leaves no record in the later one.
/// </summary>
public sealed class KeyItemReadOnceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_key_item_changed_after_an_earlier_finish_is_read_again_and_the_earlier_installations_message_leaves_no_record()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "OPS-2"; // its step waits at the third party until released
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // A first finish under the current key: its creation time is now known to the queue.
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            var first = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count == 1, Generous);
            Assert.That(first.Select(r => (r.RuleId, r.Status)), Is.EqualTo(new[] { (ruleId, RunStatus.Succeeded) }));

            // Accepted under that installation; while its step waits at the third party, the key item is replaced by a
            // later installation's (created well after the message was received).
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-2")), n => n == 1, Generous), Is.EqualTo(1));
            var later = kit.Clock.GetUtcNow().AddMinutes(10).ToString("O");
            Assert.That(await kit.ScalarAsync(
                "UPDATE items SET data = json_set(data, '$.createdAt', $at) WHERE pk = $pk AND sk = 'KEY'; SELECT changes();",
                ("$at", later), ("$pk", "T#" + tenant.TenantId)), Is.EqualTo(1));
            sink.ReleaseHung();
        }
        finally
        {
            sink.ReleaseHung();
        }

        var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), d => d == 0, Generous);
        await worker.StopAsync(CancellationToken.None);
        var runs = await kit.RunsOfAsync(tenant.TenantId);

        Assert.Multiple(() =>
        {
            Assert.That(depth, Is.Zero, "the message is finished");
            Assert.That(sink.Count("OPS-2"), Is.EqualTo(1), "its step ran, once");
            Assert.That(runs, Has.Count.EqualTo(1), "no record of the earlier installation's message in the later one");
        });
    }
}
