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
/// Two tenants whose third parties hang, each at its share (<c>Runs:PerTenantConcurrency</c>), filled every worker
/// slot of an SQS batch between them: a third tenant's record of the same batch waited for one of their calls to give
/// up (or, past the run deadline, went back to the queue unrun, and after <c>Worker:MaxReceiveCount</c> such receives
/// to the dead-letter queue). The embedded worker keeps a reserve for tenants with nothing running
/// (<c>RunOptions.WorkerReserve</c>); the batch keeps the same one. The assertion is causal (how many hanging calls
/// were open when the quiet tenant's call arrived, and that none had given up), not timed.
/// </summary>
[TestFixture]
public sealed class SqsBatchReserveTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Two_tenants_with_hanging_hosts_cannot_hold_every_slot_of_a_batch_between_them()
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
        var queueUrl = sqs.CreateQueue("blubees-test-reserve-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(900));

        // 4 slots, 2 per tenant: a reserve of 1 (an eighth, at least one), so two tenants already running hold at most 3.
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queueUrl,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Runs:WorkerConcurrency"] = "4",
            ["Runs:PerTenantConcurrency"] = "2",
        });
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());

        var first = Samples.NewTenant();
        var second = Samples.NewTenant();
        var quiet = Samples.NewTenant();
        await RuleAsync(backend, first, sink.Address, "/HANG/a/{{ issue.key }}");
        await RuleAsync(backend, second, sink.Address, "/HANG/b/{{ issue.key }}");
        await RuleAsync(backend, quiet, sink.Address, "/ok/{{ issue.key }}");

        // The quiet tenant's record is the batch's last: the hanging tenants' records reach the slots first.
        var sends = new[] { (first, "OPS-1"), (first, "OPS-2"), (first, "OPS-3"), (second, "OPS-4"), (second, "OPS-5"), (second, "OPS-6"), (quiet, "OPS-9") };
        foreach (var (tenant, key) in sends)
        {
            using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "reserve " + key), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), key);
        }

        var poller = new LambdaSqsPoller(sqsClient, queueUrl, backend.Client);
        var delivery = poller.DeliverOnceAsync();
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(arrivals.Any(a => a.Path.Contains("/ok/", StringComparison.Ordinal))), seen => seen, Generous);
            var reached = arrivals.Where(a => a.Path.Contains("/ok/", StringComparison.Ordinal)).ToList();
            Assert.That(reached, Has.Count.EqualTo(1), "the quiet tenant's message ran");
            Assert.That(reached[0].GaveUp, Is.Zero, "it ran beside the hanging calls, not after one of them gave up");
            Assert.That(reached[0].HangingOpen, Is.LessThanOrEqualTo(3), "the two hanging tenants held at most the slots less the reserve");
        }
        finally
        {
            release.TrySetResult();
        }

        var done = await delivery;
        Assert.That((done.Messages.Count, done.Failures.Count), Is.EqualTo((7, 0)), "one batch of seven, all processed");
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
