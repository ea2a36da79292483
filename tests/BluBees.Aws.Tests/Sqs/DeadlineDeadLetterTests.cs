using System.Collections.Concurrent;
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
/// A message whose rule never finishes inside the SQS worker's run deadline (its third party accepts and never answers)
/// is cut off on every receive: each cut writes the rule's record <c>cancelled</c> ("stopped by a restart … the event
/// stays queued and runs again", docs/api.md) and returns the message to the queue. On its last receive it goes to the
/// dead-letter queue, so it does not run again: its one record must then say so (<c>delivery_exhausted</c>), as the
/// embedded worker's exhausted record replaces a <c>cancelled</c> one (<c>RunProcessor.ExhaustedKeepingFinishedAsync</c>).
/// Before, the last receive kept whatever record the rule had, and the dead-lettered event stayed <c>cancelled</c>,
/// telling the admin there was nothing to do.
/// </summary>
[TestFixture]
public sealed class DeadlineDeadLetterTests
{
    private const int MaxReceiveCount = 2;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_message_cut_off_by_the_run_deadline_on_its_last_receive_is_dead_lettered_with_one_delivery_exhausted_record()
    {
        var calls = new ConcurrentQueue<string>();
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // accepts and never answers
            }
            catch (OperationCanceledException)
            {
            }
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var queueClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var issuer = await TestIssuer.StartAsync();
        await using var sqs = await SqsFake.StartAsync(queueClock);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dlq = sqs.CreateQueue("blubees-test-cut-dl-" + suffix, Visibility);
        var queue = sqs.CreateQueue("blubees-test-cut-" + suffix, Visibility, dlq, MaxReceiveCount);
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:RunDeadlineSeconds"] = "5",
            ["Worker:MaxReceiveCount"] = MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, s => s.AddSingleton<TimeProvider>(clock));
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201))["id"]!.GetValue<string>();
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Never answered",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/hang", ["timeoutSeconds"] = 60,
            }),
        }, 201);
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-8", "cut off"), withUserToken: false))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);
        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var pending = poller.DeliverOnceAsync();
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(calls.Count), n => n >= receive, Generous), Is.EqualTo(receive), $"receive {receive} reached the step");
            clock.Advance(TimeSpan.FromSeconds(6)); // past the run deadline: the rule is cut off
            var delivery = await pending.WaitAsync(Generous);
            Assert.That((delivery.Failures.Count, delivery.Deleted.Count), Is.EqualTo((1, 0)), $"receive {receive}: the message returns to the queue");
            var record = (await RunsAsync(backend, tenant)).Select(r => (r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>()));
            Assert.That(record, Is.EqualTo(new[] { receive < MaxReceiveCount
                ? ("failed", (string?)ErrorCategories.Cancelled)
                : ("failed", ErrorCategories.DeliveryExhausted) }), $"receive {receive}: one record, saying what became of the event");
            queueClock.Advance(Visibility);
        }

        Assert.Multiple(async () =>
        {
            Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty, "not received again");
            Assert.That(sqs.Bodies(dlq), Has.Count.EqualTo(1), "dead-lettered");
        });
    }

    private static async Task<IReadOnlyList<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!)];
}
