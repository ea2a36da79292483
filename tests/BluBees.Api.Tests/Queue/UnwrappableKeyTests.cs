using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A queued message whose tenant's data key no longer unwraps (its key-encryption key is gone from the ring: a ring
/// file replaced or restored from an older copy while messages waited) is a poison message like one whose ciphertext
/// does not open: retried up to <c>Runs:MaxAttempts</c>, then one failed record <c>delivery_exhausted</c>. Before, the
/// worker's uninstall check threw before the attempts were counted, so the message was claimed and failed every lease,
/// forever, and never left a record.
/// </summary>
public sealed class UnwrappableKeyTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_message_whose_data_key_no_longer_unwraps_ends_as_one_failed_record_after_its_attempts()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var accepting = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxAttempts"] = "2", ["Runs:LeaseSeconds"] = "10" });
        var tenant = QueueKit.NewTenant();
        await accepting.RuleAsync(tenant, sink.Address);
        await accepting.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-71"), null, null, CancellationToken.None);

        // The data key now names a key-encryption key the ring does not hold; the next process opens the message from
        // the file (the accepting one kept it opened in memory, OpenedMessages: the case below).
        await accepting.ScalarAsync(
            "UPDATE items SET data = json_set(data, '$.keyId', 'key-lost') WHERE pk = $pk AND sk = 'KEY';",
            ("$pk", "T#" + tenant.TenantId));
        await using var kit = await accepting.RestartAsync();
        Assert.That(kit.Queue.OpenedKept, Is.Zero);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + Generous;
        IReadOnlyList<RunRecord> runs = [];
        while (DateTime.UtcNow < deadline && (runs = await kit.RunsOfAsync(tenant.TenantId)).Count == 0)
        {
            kit.Clock.Advance(TimeSpan.FromSeconds(11)); // past the lease: the next delivery
            await Task.Delay(100);
        }

        var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), d => d == 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (RunStatus.Failed, (string?)ErrorCategories.DeliveryExhausted) }), "exactly one record");
            Assert.That(depth, Is.Zero, "the message left the queue");
            Assert.That(sink.Count("OPS-71"), Is.Zero, "nothing was sent");
        });
    }

    /// <summary>
    /// In the process that accepted it, the message is kept opened (<c>OpenedMessages</c>), as a direct hand-off's is: it
    /// runs, and its step, whose connection's secret needs the data key, fails at once as <c>secret_unavailable</c>.
    /// One record, nothing sent, the row gone.
    /// </summary>
    [Test]
    public async Task In_the_accepting_process_the_kept_message_runs_and_its_step_fails_as_secret_unavailable_once()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxAttempts"] = "2", ["Runs:LeaseSeconds"] = "10" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-72"), null, null, CancellationToken.None);
        await kit.ScalarAsync(
            "UPDATE items SET data = json_set(data, '$.keyId', 'key-lost') WHERE pk = $pk AND sk = 'KEY';",
            ("$pk", "T#" + tenant.TenantId));
        kit.Services.GetRequiredService<TenantKeyService>().Evict(tenant.Id);
        var kept = kit.Queue.OpenedKept;

        await kit.RunQueueUntilEmptyAsync();
        var runs = await kit.RunsOfAsync(tenant.TenantId);

        Assert.Multiple(() =>
        {
            Assert.That(kept, Is.EqualTo(1));
            Assert.That(runs.Select(r => (r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (RunStatus.Failed, (string?)ErrorCategories.SecretUnavailable) }), "exactly one record");
            Assert.That(sink.Count("OPS-72"), Is.Zero, "nothing was sent");
            Assert.That(kit.Queue.OpenedKept, Is.Zero);
        });
    }
}
