using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// An event without a <c>timestamp</c> is de-duplicated by its content. Forge's redelivery of it (after a 503, a timeout
/// or a backend killed before its answer left) is the same event with <c>retryContext</c> added (shared/FORGE.md): that
/// object is the delivery's, not the event's, so it must not make the redelivery look like a new event that runs again.
/// </summary>
public sealed class RedeliveryWithoutTimestampTests
{
    [Test]
    public async Task A_redelivery_with_retryContext_of_an_event_without_timestamp_runs_once()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var original = Samples.Event("OPS-4", "no timestamp");
        original.Remove("timestamp");

        Task<IngestResult> DeliverAsync(int? retry)
        {
            var delivery = (JsonObject)original.DeepClone();
            if (retry is { } count)
            {
                delivery["retryContext"] = new JsonObject { ["retryCount"] = count, ["retryReason"] = "FUNCTION_ERROR" };
            }

            return kit.Ingress.IngestAsync(tenant, JiraEvent.From(delivery, out _)!, null, null, CancellationToken.None);
        }

        Assert.That(await DeliverAsync(null), Is.EqualTo(IngestResult.Accepted));
        Assert.That(await DeliverAsync(1), Is.EqualTo(IngestResult.AlreadyQueued), "the redelivery of a queued event is not queued again");
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(1));

        var claimed = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        await kit.Queue.CompleteAsync(claimed!, [], CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(await DeliverAsync(2), Is.EqualTo(IngestResult.Duplicate), "the redelivery of a finished event is a duplicate");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
        });
    }
}
