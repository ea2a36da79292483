using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// One SQS batch can hold several tenants' messages (fair queues spread the tenants over batches, but a batch may
/// still carry many of a flooding tenant). Tenants whose third parties hang must not hold every worker slot of the
/// batch: <c>Runs:PerTenantConcurrency</c> bounds each on the SQS worker as on the embedded one, and the reserve
/// (<c>RunOptions.WorkerReserve</c>) keeps slots for tenants with nothing running, so a quiet tenant's message in the
/// same batch runs while the hanging ones still hang. Before the reserve, two tenants at their share filled every slot
/// between them, and the quiet tenant's record waited for one of their calls to give up (or, past the run deadline,
/// went back to the queue unrun). The assertions are causal (how many hanging calls were open when the quiet tenant's
/// call arrived, and that none had given up), not timed.
/// </summary>
[TestFixture]
public sealed class SqsBatchFairnessTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_tenant_whose_third_party_hangs_cannot_hold_every_slot_of_a_batch()
    {
        // 2 slots, 1 per tenant.
        var quiet = await QuietTenantBesideHangingOnesAsync(workers: 2, perTenant: 1, hangingTenants: 1, eventsEach: 3);
        Assert.That(quiet.HangingOpen, Is.LessThanOrEqualTo(1), "the flooding tenant held at most its share (one slot)");
    }

    [Test]
    public async Task Two_tenants_with_hanging_hosts_cannot_hold_every_slot_of_a_batch_between_them()
    {
        // 4 slots, 2 per tenant: a reserve of 1 (an eighth, at least one), so two tenants already running hold at most 3.
        var quiet = await QuietTenantBesideHangingOnesAsync(workers: 4, perTenant: 2, hangingTenants: 2, eventsEach: 3);
        Assert.That(quiet.HangingOpen, Is.LessThanOrEqualTo(3), "the two hanging tenants held at most the slots less the reserve");
    }

    /// <summary>
    /// Queues <paramref name="eventsEach"/> events of each hanging tenant, then one of a quiet tenant (the batch's last
    /// record, so the hanging ones reach the slots first), delivers them as one batch, and returns what the sink saw when
    /// the quiet tenant's call arrived, which must be beside the hanging calls (none given up).
    /// </summary>
    private static async Task<(string Path, int HangingOpen, int GaveUp)> QuietTenantBesideHangingOnesAsync(int workers, int perTenant, int hangingTenants, int eventsEach)
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
            ["Runs:WorkerConcurrency"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Runs:PerTenantConcurrency"] = perTenant.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());

        var sends = new List<(string Tenant, string Key)>();
        for (var t = 0; t < hangingTenants; t++)
        {
            var tenant = Samples.NewTenant();
            await RuleAsync(backend, tenant, sink.Address, $"/HANG/{t}/{{{{ issue.key }}}}");
            sends.AddRange(Enumerable.Range(1, eventsEach).Select(i => (tenant, $"OPS-{t * eventsEach + i}")));
        }

        var quiet = Samples.NewTenant();
        await RuleAsync(backend, quiet, sink.Address, "/ok/{{ issue.key }}");
        sends.Add((quiet, "OPS-99"));
        foreach (var (tenant, key) in sends)
        {
            using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "fair " + key), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), key);
        }

        var poller = new LambdaSqsPoller(sqsClient, queueUrl, backend.Client);
        var delivery = poller.DeliverOnceAsync();
        (string Path, int HangingOpen, int GaveUp) reached;
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(arrivals.Any(a => a.Path.Contains("/ok/", StringComparison.Ordinal))), seen => seen, Generous);
            var quietCalls = arrivals.Where(a => a.Path.Contains("/ok/", StringComparison.Ordinal)).ToList();
            Assert.That(quietCalls, Has.Count.EqualTo(1), "the quiet tenant's message ran");
            reached = quietCalls[0];
            Assert.That(reached.GaveUp, Is.Zero, "it ran beside the hanging calls, not after one of them gave up");
        }
        finally
        {
            release.TrySetResult();
        }

        var done = await delivery;
        Assert.That((done.Messages.Count, done.Failures.Count), Is.EqualTo((sends.Count, 0)), "one batch, all processed");
        return reached;
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
