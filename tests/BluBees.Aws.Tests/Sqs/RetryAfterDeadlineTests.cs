using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A connection may wait out a <c>Retry-After</c> of up to <c>maxRetryAfterSeconds</c> (300), but the SQS worker's run
/// deadline (<c>Worker:RunDeadlineSeconds</c>, 100 s) cuts any run longer than that: a service answering 429 with a
/// Retry-After longer than the time left made every receive wait until the deadline cut it (recorded
/// <c>cancelled</c>, the message back to the queue, one more call each time) until it was dead-lettered. A Retry-After
/// longer than what is left before the run's deadline now ends the step at once with its 429 (<c>http_4xx</c>), without
/// waiting and without another call; a shorter one is still waited for. Held clocks: nothing waits for real.
/// </summary>
[TestFixture]
public sealed class RetryAfterDeadlineTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Test]
    public async Task A_Retry_After_longer_than_the_time_left_before_the_run_deadline_ends_the_step_at_once()
    {
        var calls = 0;
        await using var sink = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "200"; // within the connection's 300 s, beyond the run deadline's 100 s
            return Task.CompletedTask;
        });
        await using var kit = await Kit.StartAsync(sink.Address);
        var (backend, poller, tenant) = (kit.Backend, kit.Poller, kit.Tenant);

        var delivery = await poller.DeliverOnceAsync().WaitAsync(Generous); // the worker's clock never moves
        var runs = (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(delivery.Deleted, Has.Count.EqualTo(1), "the run finished (failed): not returned to the queue");
            Assert.That(Volatile.Read(ref calls), Is.EqualTo(1), "no second call");
            Assert.That(runs.Select(r => (r!["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())),
                Is.EqualTo(new[] { ("failed", (string?)ErrorCategories.Http4xx) }), "the step's usual 429 outcome");
        });
    }

    [Test]
    public async Task A_Retry_After_within_the_time_left_is_still_waited_for()
    {
        var calls = 0;
        await using var sink = await LoopbackServer.StartAsync(context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "40";
            }

            return Task.CompletedTask;
        });
        await using var kit = await Kit.StartAsync(sink.Address);
        var (backend, poller, tenant, clock) = (kit.Backend, kit.Poller, kit.Tenant, kit.Clock);

        var delivery = poller.DeliverOnceAsync();
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Volatile.Read(ref calls)), n => n >= 1, Generous), Is.EqualTo(1));
        Assert.That(delivery.IsCompleted, Is.False, "waiting out the Retry-After");
        // Moved on in steps (the wait may not be scheduled yet), staying well before the 100 s deadline.
        Assert.That(await Waits.UntilAsync(() =>
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            return Task.FromResult(Volatile.Read(ref calls));
        }, n => n >= 2, Generous), Is.EqualTo(2));
        Assert.That((await delivery.WaitAsync(Generous)).Deleted, Has.Count.EqualTo(1));
        var runs = (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
        Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }));
    }

    /// <summary>One backend (API and SQS worker, embedded store) on a held clock, with a rule whose GET step calls the sink.</summary>
    private sealed class Kit : IAsyncDisposable
    {
        private TestIssuer _issuer = null!;
        private SqsFake _sqs = null!;
        private Amazon.SQS.IAmazonSQS _client = null!;

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public BackendHost Backend { get; private set; } = null!;

        public LambdaSqsPoller Poller { get; private set; } = null!;

        public string Tenant { get; } = Samples.NewTenant();

        public static async Task<Kit> StartAsync(Uri sink)
        {
            var kit = new Kit();
            kit._issuer = await TestIssuer.StartAsync();
            kit._sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
            var queue = kit._sqs.CreateQueue("blubees-test-retry-after-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(900));
            kit.Backend = await BackendHost.StartAsync(kit._issuer, new Dictionary<string, string?>
            {
                ["Queue:Provider"] = "Sqs",
                ["Queue:QueueUrl"] = queue,
                ["Queue:SqsServiceUrl"] = kit._sqs.Address.ToString(),
                ["Queue:SendTimeoutMilliseconds"] = "60000",
                ["Worker:Enabled"] = "true",
                ["Worker:RunDeadlineSeconds"] = "100",
            }, s => s.AddSingleton<TimeProvider>(kit.Clock));
            kit._client = AwsClientFactory.Sqs(kit._sqs.Address.ToString());
            kit.Poller = new LambdaSqsPoller(kit._client, queue, kit.Backend.Client);
            var connection = Samples.Connection(sink, "t0ken");
            connection["resilience"] = new JsonObject { ["timeoutSeconds"] = 300, ["maxRetryAfterSeconds"] = 300, ["maxRetries"] = 1 };
            var id = (await kit.Backend.JsonAsync(HttpMethod.Post, "/api/connections", kit.Tenant, connection, 201))["id"]!.GetValue<string>();
            await kit.Backend.JsonAsync(HttpMethod.Post, "/api/rules", kit.Tenant, new JsonObject
            {
                ["name"] = "Rate limited",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = id, ["method"] = "GET", ["path"] = "/limited" }),
            }, 201);
            using var accepted = await kit.Backend.SendAsync(HttpMethod.Post, "/forge/events", kit.Tenant, Samples.Event("OPS-51", "retry after"), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            return kit;
        }

        public async ValueTask DisposeAsync()
        {
            await Backend.DisposeAsync();
            _client.Dispose();
            await _sqs.DisposeAsync();
            await _issuer.DisposeAsync();
        }
    }
}
