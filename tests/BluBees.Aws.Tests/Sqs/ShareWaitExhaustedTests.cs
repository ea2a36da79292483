using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A batch can carry more records of one tenant than its share (<c>Runs:PerTenantConcurrency</c>): the rest wait for
/// the share. When that tenant's third party hangs, the waiting records never start before the run deadline and are
/// returned to the queue; on the last receive before the dead-letter queue such a record must still leave its
/// <c>delivery_exhausted</c> record per rule (as a record that failed does), not vanish from the run log. Causal, on
/// the backend's fake clock: the deadline passes while one record hangs and the other waits.
/// </summary>
[TestFixture]
public sealed class ShareWaitExhaustedTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_record_still_waiting_for_its_tenants_share_at_the_deadline_of_its_last_receive_leaves_a_delivery_exhausted_record_for_its_rule()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hits = 0;
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref hits);
            await release.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"ok":true}""");
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var queueClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var issuer = await TestIssuer.StartAsync();
        await using var sqs = await SqsFake.StartAsync(queueClock);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dlq = sqs.CreateQueue("blubees-test-sharedl-" + suffix, Visibility);
        var queue = sqs.CreateQueue("blubees-test-share-" + suffix, Visibility, dlq, 1);
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:RunDeadlineSeconds"] = "5",
            ["Worker:MaxReceiveCount"] = "1",
            ["Runs:WorkerConcurrency"] = "2",
            ["Runs:PerTenantConcurrency"] = "1",
        }, s => s.AddSingleton<TimeProvider>(clock));
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201);
        var rule = await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Hangs",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST",
                ["path"] = "/slow/{{ issue.key }}", ["timeoutSeconds"] = 60,
            }),
        }, 201);
        foreach (var key in new[] { "OPS-1", "OPS-2" })
        {
            using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "share " + key), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), key);
        }

        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);
        var first = poller.DeliverOnceAsync();
        await Waits.UntilAsync(() => Task.FromResult(Volatile.Read(ref hits)), n => n > 0, Generous);
        clock.Advance(TimeSpan.FromSeconds(6)); // past the run deadline: one record hangs, the other waits for the share
        var delivery = await first.WaitAsync(Generous);
        release.TrySetResult();

        var runs = await RunsAsync(backend, tenant);
        var ruleId = rule["id"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That((delivery.Messages.Count, delivery.Failures.Count), Is.EqualTo((2, 2)), "both returned: one cut off, one never started");
            Assert.That(Volatile.Read(ref hits), Is.EqualTo(1), "the tenant held one slot, its share: the second record never started");
            // Both go to the dead-letter queue on this (their last) receive: neither runs again, so the one cut off is no
            // longer 'cancelled' (which says it runs again) but given up, as the one that never started (DeadlineDeadLetterTests).
            Assert.That(runs.Select(r => (r["ruleId"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())),
                Is.EqualTo(new[] { (ruleId, (string?)ErrorCategories.DeliveryExhausted), (ruleId, (string?)ErrorCategories.DeliveryExhausted) }),
                "each event leaves a record of its rule before the dead-letter queue");
        });
    }

    private static async Task<IReadOnlyList<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!)];
}
