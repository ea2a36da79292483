using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A standard queue delivers at least once: a copy of a message may survive its delete (a server holding it was
/// unavailable) and be received again, and a send whose answer was lost may have stored the message twice
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html).
/// Such a copy is a new SQS message (its own message id, ApproximateReceiveCount 1, sent moments after the event's
/// receipt), so nothing on the record says it ran before. A copy received after the run's record was written must not
/// run the rule again (its call sent a second time, its record overwritten by the second run's); two copies in one
/// batch run the rule once.
/// </summary>
[TestFixture]
public sealed class DuplicateCopyTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_copy_received_after_the_run_was_recorded_does_not_run_the_rule_again()
    {
        await using var world = await World.StartAsync();
        var tenant = await world.TenantWithRuleAsync();
        var body = await world.AcceptEventAsync(tenant, "OPS-8");

        var first = await world.Poller.DeliverOnceAsync().WaitAsync(Generous);
        Assert.That((first.Messages.Count, first.Failures.Count, world.Calls.Count), Is.EqualTo((1, 0, 1)), "the event ran once");
        var recorded = (await world.RunsAsync(tenant)).Single()!.ToJsonString();

        await world.SendCopyAsync(body); // the copy that survived the delete
        var copy = await world.Poller.DeliverOnceAsync().WaitAsync(Generous);

        var runs = await world.RunsAsync(tenant);
        Assert.Multiple(() =>
        {
            Assert.That(copy.Messages.Single().Attributes["ApproximateReceiveCount"], Is.EqualTo("1"), "nothing on the copy says it ran before");
            Assert.That((copy.Failures.Count, copy.Deleted.Count), Is.EqualTo((0, 1)), "the copy is acknowledged");
            Assert.That(world.Calls, Has.Count.EqualTo(1), "the rule's call was not sent a second time");
            Assert.That(runs, Has.Count.EqualTo(1), "one event, one run record");
            Assert.That(runs.Single()!.ToJsonString(), Is.EqualTo(recorded), "the record is the first run's, not rewritten by a second run");
        });
    }

    [Test]
    public async Task Two_copies_in_one_batch_run_the_rule_once()
    {
        await using var world = await World.StartAsync();
        var tenant = await world.TenantWithRuleAsync();
        var body = await world.AcceptEventAsync(tenant, "OPS-9");
        await world.SendCopyAsync(body); // a send whose answer was lost, stored twice

        var delivery = await world.Poller.DeliverOnceAsync().WaitAsync(Generous);

        var runs = await world.RunsAsync(tenant);
        Assert.Multiple(() =>
        {
            Assert.That((delivery.Messages.Count, delivery.Failures.Count, delivery.Deleted.Count), Is.EqualTo((2, 0, 2)), "both copies in one batch, both acknowledged");
            Assert.That(world.Calls, Has.Count.EqualTo(1), "the rule ran once");
            Assert.That(runs, Has.Count.EqualTo(1));
            Assert.That((string?)runs.Single()!["status"], Is.EqualTo("succeeded"));
        });
    }

    [Test]
    public async Task A_late_copy_leaves_the_rules_last_run_at_its_newer_run()
    {
        // The copy keeps the earlier run's record; writing it again also set the rule's last run (the rule list's
        // lastRun) back to that earlier run, after a newer event of the rule had run.
        await using var world = await World.StartAsync();
        var tenant = await world.TenantWithRuleAsync();
        var older = await world.AcceptEventAsync(tenant, "OPS-10");
        await world.Poller.DeliverOnceAsync().WaitAsync(Generous);
        await world.AcceptEventAsync(tenant, "OPS-11");
        await world.Poller.DeliverOnceAsync().WaitAsync(Generous);
        var newest = (string?)(await world.RunsAsync(tenant))[0]!["id"];

        await world.SendCopyAsync(older);
        var copy = await world.Poller.DeliverOnceAsync().WaitAsync(Generous);

        var rule = (await world.RulesAsync(tenant)).Single()!;
        Assert.Multiple(async () =>
        {
            Assert.That((copy.Messages.Count, copy.Failures.Count), Is.EqualTo((1, 0)));
            Assert.That(world.Calls, Has.Count.EqualTo(2), "two events, two calls");
            Assert.That(await world.RunsAsync(tenant), Has.Count.EqualTo(2));
            Assert.That((string?)rule["lastRun"]?["id"], Is.EqualTo(newest), "the rule's last run is still the newer event's");
        });
    }

    /// <summary>An API-and-worker backend on the SQS stand-in, and a third party that counts the rule's calls.</summary>
    private sealed class World : IAsyncDisposable
    {
        private LoopbackServer _sink = null!;
        private TestIssuer _issuer = null!;
        private SqsFake _sqs = null!;
        private BackendHost _backend = null!;
        private Amazon.SQS.IAmazonSQS _client = null!;
        private string _queue = null!;

        public ConcurrentQueue<string> Calls { get; } = new();

        public LambdaSqsPoller Poller { get; private set; } = null!;

        public static async Task<World> StartAsync()
        {
            var world = new World();
            world._sink = await LoopbackServer.StartAsync(async context =>
            {
                world.Calls.Enqueue(context.Request.Path.Value ?? string.Empty);
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"ok":true}""");
            });
            world._issuer = await TestIssuer.StartAsync();
            world._sqs = await SqsFake.StartAsync(TimeProvider.System); // SentTimestamp as SQS sets it: moments after the receipt
            world._queue = world._sqs.CreateQueue("blubees-test-copies-" + Guid.NewGuid().ToString("N")[..8], Visibility);
            world._backend = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>
            {
                ["Queue:Provider"] = "Sqs",
                ["Queue:QueueUrl"] = world._queue,
                ["Queue:SqsServiceUrl"] = world._sqs.Address.ToString(),
                ["Worker:Enabled"] = "true",
            });
            world._client = BluBees.Aws.AwsClientFactory.Sqs(world._sqs.Address.ToString());
            world.Poller = new LambdaSqsPoller(world._client, world._queue, world._backend.Client);
            return world;
        }

        public async Task<string> TenantWithRuleAsync()
        {
            var tenant = Samples.NewTenant();
            var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_sink.Address, "t0ken"), 201);
            await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
            return tenant;
        }

        /// <summary>Accepts one event and returns its queued message's body.</summary>
        public async Task<string> AcceptEventAsync(string tenant, string issueKey)
        {
            using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "copies"), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            return _sqs.Bodies(_queue).Single();
        }

        public Task SendCopyAsync(string body) => _client.SendMessageAsync(_queue, body);

        public async Task<JsonArray> RulesAsync(string tenant)
            => (await _backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();

        public async Task<JsonArray> RunsAsync(string tenant)
            => (await _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _backend.DisposeAsync();
            await _sqs.DisposeAsync();
            await _issuer.DisposeAsync();
            await _sink.DisposeAsync();
        }
    }
}
