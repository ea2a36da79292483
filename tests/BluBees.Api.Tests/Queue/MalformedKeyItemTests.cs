using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The tenant's stored data key item (<c>KEY</c>) as the worker reads it before each run. One written by a later build
/// with a member this build lacks must still unwrap (stored data stays readable across a rollback); one that is
/// damaged (not JSON, its wrapped key missing) is a data key that does not unwrap: the message is retried up to
/// <c>Runs:MaxAttempts</c> and ends as one <c>delivery_exhausted</c> record. Before, both threw a JsonException or an
/// ArgumentNullException from the worker's uninstall check, before the attempts were counted: the message was claimed
/// and failed every lease for ever, with no record.
/// </summary>
public sealed class MalformedKeyItemTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [TestCase("json_set(data, '$.algorithm', 'aes-256-gcm')", RunStatus.Succeeded, null)]
    [TestCase("'not json'", RunStatus.Failed, ErrorCategories.DeliveryExhausted)]
    [TestCase("json_remove(data, '$.wrapped')", RunStatus.Failed, ErrorCategories.DeliveryExhausted)]
    public async Task A_queued_message_under_a_key_item_of_another_shape_runs_or_ends_as_one_record(string change, string status, string? category)
    {
        await using var sink = await SlowSink.StartAsync();
        await using var accepting = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxAttempts"] = "2", ["Runs:LeaseSeconds"] = "10" });
        var tenant = QueueKit.NewTenant();
        await accepting.RuleAsync(tenant, sink.Address);
        Assert.That(await accepting.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-75"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Assert.That(await accepting.ScalarAsync(
            $"UPDATE items SET data = {change} WHERE pk = $pk AND sk = 'KEY'; SELECT changes();", ("$pk", "T#" + tenant.TenantId)), Is.EqualTo(1));
        // The worker of the next process opens the message from the file, under the key item as it now is (the accepting
        // process kept the message opened in memory, OpenedMessages, and its data key cached).
        await using var kit = await accepting.RestartAsync();
        Assert.That(kit.Queue.OpenedKept, Is.Zero);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + Generous;
        IReadOnlyList<RunRecord> runs = [];
        long attempts = 0;
        while (DateTime.UtcNow < deadline && (runs = await kit.RunsOfAsync(tenant.TenantId)).Count == 0)
        {
            attempts = await kit.ScalarAsync("SELECT IFNULL(MAX(attempts), 0) FROM run_queue");
            if (status == RunStatus.Failed)
            {
                kit.Clock.Advance(TimeSpan.FromSeconds(11)); // past the lease: the next delivery (a run's step would time out)
            }

            await Task.Delay(100);
        }

        var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), d => d == 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (status, category) }), $"exactly one record (deliveries so far: {attempts})");
            Assert.That(depth, Is.Zero, "the message left the queue");
            Assert.That(sink.Count("OPS-75"), Is.EqualTo(status == RunStatus.Succeeded ? 1 : 0));
        });
    }
}
