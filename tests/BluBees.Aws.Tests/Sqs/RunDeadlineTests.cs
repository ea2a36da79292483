using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// The worker function has a timeout (template.yaml: 120 s) and a run may be longer (a transfer step's default timeout
/// is 300 s, twenty 60 s steps): Lambda would end the invocation mid-run, with no answer, no record, and the whole
/// batch, finished runs included, delivered again until the dead-letter queue. The worker's run deadline
/// (<c>Worker:RunDeadlineSeconds</c>, below the function timeout) cancels what still runs, records it
/// <c>cancelled</c> and returns only that message to the queue; the next receive finishes the same record. The
/// deadline and the step timeout run on the backend's fake clock.
/// </summary>
[TestFixture]
public sealed class RunDeadlineTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_run_past_the_workers_deadline_is_recorded_cancelled_returned_to_the_queue_and_finished_by_the_next_receive()
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
        var queue = sqs.CreateQueue("blubees-test-deadline-" + Guid.NewGuid().ToString("N")[..8], Visibility);
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:RunDeadlineSeconds"] = "5",
        }, s => s.AddSingleton<TimeProvider>(clock));
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Slow",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST",
                ["path"] = "/slow/{{ issue.key }}", ["timeoutSeconds"] = 60,
            }),
        }, 201);
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-5", "slow"), withUserToken: false))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);
        var first = poller.DeliverOnceAsync();
        await Waits.UntilAsync(() => Task.FromResult(Volatile.Read(ref hits)), n => n > 0, Generous);
        clock.Advance(TimeSpan.FromSeconds(6)); // past the run deadline, well before the step's own timeout
        var delivery = await first.WaitAsync(Generous);

        var runs = await RunsAsync(backend, tenant);
        Assert.Multiple(() =>
        {
            Assert.That((delivery.Status, delivery.Failures.Count, delivery.Deleted.Count), Is.EqualTo((200, 1, 0)), "answered in time; the message returns to the queue");
            Assert.That(runs.Select(r => (r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())), Is.EqualTo(new[] { ("failed", (string?)"cancelled") }));
        });

        release.TrySetResult();
        queueClock.Advance(Visibility);
        var second = await poller.DeliverOnceAsync().WaitAsync(Generous);
        var after = await RunsAsync(backend, tenant);
        Assert.Multiple(() =>
        {
            Assert.That((second.Messages.Count, second.Failures.Count), Is.EqualTo((1, 0)), "the next receive runs it");
            Assert.That(after.Select(r => (r["id"]!.GetValue<string>(), r["status"]!.GetValue<string>())),
                Is.EqualTo(new[] { (runs[0]["id"]!.GetValue<string>(), "succeeded") }), "one record, finished by the next receive");
        });
    }

    private static async Task<IReadOnlyList<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!)];
}
