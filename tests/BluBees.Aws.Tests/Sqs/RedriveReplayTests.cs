using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// One event, two rules. On the message's last receive the run deadline cuts off the second rule after the first
/// finished; the message goes to the dead-letter queue. The operator redrives it (StartMessageMoveTask): SQS makes it a
/// new message — new id, new enqueue time, no receive counted — so its first receive after the redrive says
/// <c>ApproximateReceiveCount</c> 1. It must still run only the rule that had not finished: the finished one must not
/// send its calls (or its Jira writes) a second time.
/// </summary>
[TestFixture]
public sealed class RedriveReplayTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_redriven_message_runs_only_the_rule_that_had_not_finished()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = new ConcurrentQueue<string>();
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            if (calls.Count == 2)
            {
                await release.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"ok":true}""");
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var queueClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var issuer = await TestIssuer.StartAsync();
        await using var sqs = await SqsFake.StartAsync(queueClock);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dlq = sqs.CreateQueue("blubees-test-redrive-dlq-" + suffix, Visibility);
        var queue = sqs.CreateQueue("blubees-test-redrive-" + suffix, Visibility, dlq, maxReceiveCount: 1);
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:RunDeadlineSeconds"] = "5",
            ["Worker:MaxReceiveCount"] = "1",
        }, s => s.AddSingleton<TimeProvider>(clock));
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201))["id"]!.GetValue<string>();
        foreach (var name in (string[])["alpha", "beta"])
        {
            await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = name,
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/" + name, ["timeoutSeconds"] = 60,
                }),
            }, 201);
        }

        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "two rules"), withUserToken: false))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);
        var first = poller.DeliverOnceAsync();
        await Waits.UntilAsync(() => Task.FromResult(calls.Count), n => n >= 2, Generous);
        clock.Advance(TimeSpan.FromSeconds(6)); // past the run deadline: the second rule is cut off on the last receive
        var delivery = await first.WaitAsync(Generous);
        Assert.That((delivery.Failures.Count, delivery.Deleted.Count), Is.EqualTo((1, 0)), "the message returns to the queue");
        var finished = calls.First();
        var cutOff = calls.Skip(1).First();

        release.TrySetResult();
        queueClock.Advance(Visibility);
        var dead = await poller.DeliverOnceAsync().WaitAsync(Generous);
        Assert.That((dead.Messages.Count, sqs.Bodies(queue).Count, sqs.Bodies(dlq).Count), Is.EqualTo((0, 0, 1)), "dead-lettered");

        // The fix is deployed; the operator redrives the dead-letter queue (docs/operations.md, step 3).
        await sqsClient.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = SqsFake.ArnOf(dlq), DestinationArn = SqsFake.ArnOf(queue) });
        var redriven = await poller.DeliverOnceAsync().WaitAsync(Generous);
        var runs = (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That((redriven.Messages.Count, redriven.Failures.Count), Is.EqualTo((1, 0)), "the redriven message runs");
            Assert.That(redriven.Messages[0].Attributes["ApproximateReceiveCount"], Is.EqualTo("1"), "a moved message is a new message");
            Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded", "succeeded" }), "one record per rule");
            Assert.That(calls.Count(c => c == cutOff), Is.EqualTo(2), "the rule that had not finished ran again");
            Assert.That(calls.Count(c => c == finished), Is.EqualTo(1), "the rule that had finished did not run again");
        });
    }
}
