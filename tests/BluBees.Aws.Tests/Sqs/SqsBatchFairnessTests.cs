using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// One SQS batch can hold several tenants' messages (fair queues spread the tenants over batches, but a batch may
/// still carry many of a flooding tenant). A tenant whose third party hangs must not hold every worker slot of the
/// batch: <c>Runs:PerTenantConcurrency</c> bounds it on the SQS worker as on the embedded one, so another tenant's
/// message in the same batch runs while the hanging ones still hang. The assertion is causal (how many hanging calls
/// were open when the other tenant's call arrived), not timed.
/// </summary>
[TestFixture]
public sealed class SqsBatchFairnessTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_tenant_whose_third_party_hangs_cannot_hold_every_slot_of_a_batch()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hanging = 0;
        var gaveUp = 0;
        var arrivals = new ConcurrentQueue<(string Path, int HangingOpen, int GaveUp)>();
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            arrivals.Enqueue((path, Volatile.Read(ref hanging), Volatile.Read(ref gaveUp)));
            if (path.Contains("HANG", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref hanging);
                try
                {
                    await release.Task.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref gaveUp); // the worker's step timed out: the hang ended without a release
                    return;
                }
                finally
                {
                    Interlocked.Decrement(ref hanging);
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"ok":true}""");
        });
        await using var issuer = await TestIssuer.StartAsync();
        await using var sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var queueUrl = sqs.CreateQueue("blubees-test-fair-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(900));
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queueUrl,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Runs:WorkerConcurrency"] = "2",
            ["Runs:PerTenantConcurrency"] = "1",
        });
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());

        var flooding = Samples.NewTenant();
        var other = Samples.NewTenant();
        await RuleAsync(backend, flooding, sink.Address, "/HANG/{{ issue.key }}");
        await RuleAsync(backend, other, sink.Address, "/ok/{{ issue.key }}");
        foreach (var (tenant, key) in new[] { (flooding, "OPS-1"), (flooding, "OPS-2"), (flooding, "OPS-3"), (other, "OPS-9") })
        {
            using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "fair " + key), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), key);
        }

        var poller = new LambdaSqsPoller(sqsClient, queueUrl, backend.Client);
        var delivery = poller.DeliverOnceAsync();
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(arrivals.Any(a => a.Path.Contains("/ok/", StringComparison.Ordinal))), seen => seen, Generous);
            var reached = arrivals.Where(a => a.Path.Contains("/ok/", StringComparison.Ordinal)).ToList();
            Assert.That(reached, Has.Count.EqualTo(1), "the other tenant's message ran");
            Assert.That(reached[0].GaveUp, Is.Zero, "it ran beside the hanging calls, not after one of them gave up");
            Assert.That(reached[0].HangingOpen, Is.LessThanOrEqualTo(1), "the flooding tenant held at most its share (one slot)");
        }
        finally
        {
            release.TrySetResult();
        }

        var done = await delivery;
        Assert.That((done.Messages.Count, done.Failures.Count), Is.EqualTo((4, 0)), "one batch of four, all processed");
    }

    private static async Task RuleAsync(BackendHost backend, string tenant, Uri sink, string path)
    {
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink, "t0ken"), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Fairness",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = path,
            }),
        }, 201);
    }
}
