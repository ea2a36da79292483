using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Runs;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// Two worker invocations hold copies of one run message at the same time: a message stored twice (a SendMessage whose
/// answer was lost and was sent again), or a message whose visibility timeout ended while the first invocation still
/// ran it (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html,
/// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html). Both read
/// "no record" for the rule before either has written one: each ran it, and the third party got the call twice. The
/// run is now claimed (a conditional write, RunStore.Claims.cs) before its steps: the second copy returns to the
/// queue and finds the first one's record on its next receive; a claim whose holder crashed is taken over once it
/// expired. Two worker instances (two Lambda execution environments) on dynalite, the SQS stand-in, a real loopback
/// third party.
/// </summary>
[TestFixture]
public sealed class ConcurrentCopyTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_copy_received_while_another_invocation_runs_the_rule_does_not_run_it_again()
    {
        await using var world = await World.StartAsync(holdFirstCall: true);
        var tenant = await world.TenantWithRuleAsync();
        var body = await world.AcceptEventAsync(tenant, "OPS-21");
        await world.SendCopyAsync(body); // stored twice

        // The first invocation runs the rule; its call hangs at the third party until released.
        var first = world.Invocation(world.FirstWorker).DeliverOnceAsync();
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(world.Calls), n => n == 1, Generous), Is.EqualTo(1), "the first invocation's call arrived");

        // The second invocation receives the other copy meanwhile.
        var second = await world.Invocation(world.SecondWorker).DeliverOnceAsync().WaitAsync(Generous);
        var callsWhileHeld = world.Calls;
        world.ReleaseCalls();
        var firstDone = await first.WaitAsync(Generous);

        // The copy the second invocation gave back comes again after its visibility timeout.
        world.QueueClock.Advance(Visibility);
        var again = await world.Invocation(world.SecondWorker).DeliverOnceAsync().WaitAsync(Generous);

        var runs = await world.RunsAsync(tenant);
        Assert.Multiple(() =>
        {
            Assert.That(callsWhileHeld, Is.EqualTo(1), "the second copy did not run the rule while the first ran it");
            Assert.That((second.Messages.Count, second.Failures.Count, second.Deleted.Count), Is.EqualTo((1, 1, 0)), "the second copy went back to the queue (not lost)");
            Assert.That((firstDone.Messages.Count, firstDone.Failures.Count, firstDone.Deleted.Count), Is.EqualTo((1, 0, 1)));
            Assert.That((again.Messages.Count, again.Failures.Count, again.Deleted.Count), Is.EqualTo((1, 0, 1)), "received again, it found the record and was acknowledged");
            Assert.That(world.Calls, Is.EqualTo(1), "the third party got the call once");
            Assert.That(runs, Has.Count.EqualTo(1), "one event, one run record");
            Assert.That((string?)runs.Single()!["status"], Is.EqualTo("succeeded"));
        });
    }

    [Test]
    public async Task A_copy_finding_a_live_claim_returns_to_the_queue()
    {
        await using var world = await World.StartAsync(holdFirstCall: false);
        var tenant = await world.TenantWithRuleAsync();
        var body = await world.AcceptEventAsync(tenant, "OPS-22");

        // Another invocation holds the rule's run: its claim, as the worker writes it, for the production lease.
        var (message, runId) = await world.RunOfAsync(tenant, body);
        var runs = world.FirstWorker.Services.GetRequiredService<RunStore>();
        Assert.That(await runs.TryClaimAsync(message.Tenant.Id, runId, TimeSpan.FromSeconds(150), CancellationToken.None), Is.True);

        var refused = await world.Invocation(world.SecondWorker).DeliverOnceAsync().WaitAsync(Generous);
        Assert.Multiple(async () =>
        {
            Assert.That((refused.Messages.Count, refused.Failures.Count, refused.Deleted.Count), Is.EqualTo((1, 1, 0)), "the copy returns to the queue");
            Assert.That(world.Calls, Is.Zero, "the rule did not run beside its holder");
            Assert.That(await world.RunsAsync(tenant), Is.Empty, "and left no record: the holder writes it");
        });
    }

    [Test]
    public async Task A_claim_whose_holder_crashed_is_taken_over_once_it_expired()
    {
        await using var world = await World.StartAsync(holdFirstCall: false);
        var tenant = await world.TenantWithRuleAsync();
        var body = await world.AcceptEventAsync(tenant, "OPS-23");

        // An invocation claimed the rule's run and died (Lambda ended it: out of memory, the function's timeout) before
        // its steps ran, longer ago than the lease: its claim stays behind, expired, and nothing else of the run.
        var (message, runId) = await world.RunOfAsync(tenant, body);
        var then = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var crashed = new RunStore(world.FirstWorker.Services.GetRequiredService<IStore>(), then, world.FirstWorker.Services.GetRequiredService<IOptions<RunOptions>>());
        Assert.That(await crashed.TryClaimAsync(message.Tenant.Id, runId, TimeSpan.FromSeconds(150), CancellationToken.None), Is.True);

        var takenOver = await world.Invocation(world.SecondWorker).DeliverOnceAsync().WaitAsync(Generous);

        var runs = await world.RunsAsync(tenant);
        Assert.Multiple(() =>
        {
            Assert.That((takenOver.Messages.Count, takenOver.Failures.Count, takenOver.Deleted.Count), Is.EqualTo((1, 0, 1)));
            Assert.That(world.Calls, Is.EqualTo(1), "the event ran: the crashed holder's claim did not lose it");
            Assert.That(runs, Has.Count.EqualTo(1));
            Assert.That((string?)runs.Single()!["status"], Is.EqualTo("succeeded"));
        });
    }

    /// <summary>An API instance and two worker instances on one dynalite table and one queue; a third party that holds its first call.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;
        private LoopbackServer _sink = null!;
        private TestIssuer _issuer = null!;
        private KmsFake _kms = null!;
        private SqsFake _sqs = null!;
        private DynamoDbTable _table = null!;
        private BackendHost _api = null!;
        private IAmazonSQS _client = null!;
        private string _queue = null!;

        public FakeTimeProvider QueueClock { get; } = new(DateTimeOffset.UtcNow);

        public BackendHost FirstWorker { get; private set; } = null!;

        public BackendHost SecondWorker { get; private set; } = null!;

        public int Calls => Volatile.Read(ref _calls);

        public static async Task<World> StartAsync(bool holdFirstCall)
        {
            var world = new World();
            world._sink = await LoopbackServer.StartAsync(async context =>
            {
                if (Interlocked.Increment(ref world._calls) == 1 && holdFirstCall)
                {
                    await world._release.Task.WaitAsync(context.RequestAborted);
                }

                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"ok":true}""");
            });
            world._issuer = await TestIssuer.StartAsync();
            world._kms = await KmsFake.StartAsync();
            world._sqs = await SqsFake.StartAsync(world.QueueClock);
            world._table = await DynamoDbTable.CreateAsync();
            world._queue = world._sqs.CreateQueue("blubees-test-concurrent-" + Guid.NewGuid().ToString("N")[..8], Visibility);
            var settings = world._table.Settings().WithKmsAndSqs(world._kms, world._kms.CreateKey(), world._sqs, world._queue);

            world._api = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" });
            world.FirstWorker = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "true" });
            world.SecondWorker = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "true" });
            world._client = AwsClientFactory.Sqs(world._sqs.Address.ToString());
            return world;
        }

        /// <summary>One invocation of a worker instance with one message (a batch of one).</summary>
        public LambdaSqsPoller Invocation(BackendHost worker) => new(_client, _queue, worker.Client, batchSize: 1);

        public void ReleaseCalls() => _release.TrySetResult();

        /// <summary>The queued message and the id of its run of the tenant's rule (the claim's key).</summary>
        public async Task<(RunMessage Message, string RunId)> RunOfAsync(string tenant, string body)
        {
            var message = await FirstWorker.Services.GetRequiredService<BluBees.Aws.Sqs.RunMessageCodec>().DecodeAsync(body, CancellationToken.None);
            var ruleId = (string)(await RulesAsync(tenant)).Single()!["id"]!;
            return (message, RunIds.For(message, ruleId));
        }

        public async Task<string> TenantWithRuleAsync()
        {
            var tenant = Samples.NewTenant();
            var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_sink.Address, "t0ken"), 201);
            await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
            return tenant;
        }

        /// <summary>Accepts one event and returns its queued message's body.</summary>
        public async Task<string> AcceptEventAsync(string tenant, string issueKey)
        {
            using var accepted = await _api.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "concurrent copies"), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            return _sqs.Bodies(_queue).Single();
        }

        public Task SendCopyAsync(string body) => _client.SendMessageAsync(_queue, body);

        public async Task<JsonArray> RulesAsync(string tenant)
            => (await _api.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();

        public async Task<JsonArray> RunsAsync(string tenant)
            => (await _api.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();

        public async ValueTask DisposeAsync()
        {
            _release.TrySetResult();
            _client.Dispose();
            await SecondWorker.DisposeAsync();
            await FirstWorker.DisposeAsync();
            await _api.DisposeAsync();
            _table.Dispose();
            await _sqs.DisposeAsync();
            await _kms.DisposeAsync();
            await _issuer.DisposeAsync();
            await _sink.DisposeAsync();
        }
    }
}
