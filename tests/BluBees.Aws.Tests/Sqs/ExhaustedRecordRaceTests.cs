using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Sqs;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// Two invocations hold copies of one message (a send stored twice: SQS standard queues deliver at least once,
/// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html).
/// The first runs the rule (it holds the rule's claim). The second is on its last receive before the dead-letter queue:
/// it finds the claim, fails, and records <c>delivery_exhausted</c> for the rule unless the rule's record says it
/// finished. The holder finishes between that read and that write. Before, the write was unconditional: the holder's
/// <c>succeeded</c> record was overwritten <c>delivery_exhausted</c> (one event, its one record contradicting what
/// ran); and a write of the record that won its condition still set the rule's last run back to
/// <c>delivery_exhausted</c> after the holder's. Now the record is written only if it is still the one read, and the
/// last run only if it is still the one read before it. Real parts: two worker instances on dynalite, the SQS
/// stand-in, a loopback third party; the race is placed by a store that runs the holder's finish at that point.
/// </summary>
[TestFixture]
public sealed class ExhaustedRecordRaceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task The_holder_finishing_between_the_last_receives_read_and_write_keeps_one_succeeded_record(
        [Values(RacePoint.AfterRecordRead, RacePoint.AfterRecordWrite)] RacePoint point)
    {
        await using var world = await World.StartAsync(point);
        var tenant = await world.TenantWithRuleAsync();
        var body = await world.AcceptEventAsync(tenant, "OPS-31");
        await world.SendCopyAsync(body); // stored twice
        var (message, runId) = await world.RunOfAsync(tenant, body);

        // The holder: its call hangs at the third party until the race lets it finish.
        var holder = world.Invocation(world.Holder).DeliverOnceAsync();
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(world.Calls), n => n == 1, Generous), Is.EqualTo(1), "the holder's call arrived");
        world.Race.Arm(Keys.Run(runId), async () =>
        {
            world.ReleaseCalls();
            var done = await holder.WaitAsync(Generous);
            Assert.That((done.Failures.Count, done.Deleted.Count), Is.EqualTo((0, 1)), "the holder finished its run");
            var record = await world.Holder.Services.GetRequiredService<RunStore>().GetAsync(message.Tenant.Id, runId, CancellationToken.None);
            Assert.That(record?.Status, Is.EqualTo(RunStatus.Succeeded), "the holder's record is written");
        });

        // The other copy, on its last receive, meets the holder's claim.
        var last = await world.Invocation(world.LastReceive).DeliverOnceAsync().WaitAsync(Generous);

        var runs = await world.RunsAsync(tenant);
        var lastRun = await world.Holder.Services.GetRequiredService<RunStore>().LastRunAsync(message.Tenant.Id, runs.Single()!["ruleId"]!.GetValue<string>(), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(world.Race.Ran, Is.True, "the race point was reached");
            Assert.That((last.Messages.Count, last.Failures.Count), Is.EqualTo((1, 1)), "the copy on its last receive failed (the rule was claimed)");
            Assert.That(world.Calls, Is.EqualTo(1), "the third party got the call once");
            Assert.That(runs, Has.Count.EqualTo(1), "one event, one run record");
            Assert.That((string?)runs.Single()!["status"], Is.EqualTo("succeeded"), "the record says what ran: the holder's outcome");
            Assert.That(lastRun?.Status, Is.EqualTo(RunStatus.Succeeded), "the rule's last run agrees with its record");
        });
    }

    public enum RacePoint
    {
        /// <summary>The holder finishes once the exhausted path has read the rule's record (before it writes).</summary>
        AfterRecordRead,

        /// <summary>The holder finishes once the exhausted path's conditional write of the record succeeded (before the last run).</summary>
        AfterRecordWrite,
    }

    /// <summary>
    /// Runs the armed race once, on the last-receive invocation's store: after a read of the run's record that found one
    /// (the early <c>delivery_exhausted</c> record the last receive wrote: its exhausted path's read), or after a
    /// conditional write of that record over an existing one succeeded.
    /// </summary>
    private sealed class RacingStore(IStore inner, RacePoint point) : IStore
    {
        private string? _sk;
        private Func<Task>? _race;
        private int _ran;

        public bool Ran => Volatile.Read(ref _ran) == 1;

        public void Arm(string sk, Func<Task> race) => (_sk, _race) = (sk, race);

        private async Task RaceAsync(string sk)
        {
            if (_race is { } race && sk == _sk && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await race();
            }
        }

        public async Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
        {
            var item = await inner.GetAsync(pk, sk, ct);
            if (point == RacePoint.AfterRecordRead && item is not null)
            {
                await RaceAsync(sk);
            }

            return item;
        }

        public async Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
        {
            var written = await inner.PutIfRevisionAsync(item, expectedRevision, ct);
            if (point == RacePoint.AfterRecordWrite && written && expectedRevision > 0)
            {
                await RaceAsync(item.Sk);
            }

            return written;
        }

        public async Task PutAsync(StoreItem item, CancellationToken ct)
        {
            await inner.PutAsync(item, ct);
            if (point == RacePoint.AfterRecordWrite)
            {
                await RaceAsync(item.Sk); // the unconditional write of the record (before the fix)
            }
        }

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);

        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }

    /// <summary>An API instance, the holder's worker and a worker whose every receive is its last, on one table and queue.</summary>
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

        public BackendHost Holder { get; private set; } = null!;

        public BackendHost LastReceive { get; private set; } = null!;

        public RacingStore Race { get; private set; } = null!;

        public int Calls => Volatile.Read(ref _calls);

        public static async Task<World> StartAsync(RacePoint point)
        {
            var world = new World();
            world._sink = await LoopbackServer.StartAsync(async context =>
            {
                if (Interlocked.Increment(ref world._calls) == 1)
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
            world._queue = world._sqs.CreateQueue("blubees-test-exhausted-race-" + Guid.NewGuid().ToString("N")[..8], Visibility);
            var settings = world._table.Settings().WithKmsAndSqs(world._kms, world._kms.CreateKey(), world._sqs, world._queue);

            world._api = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" });
            world.Holder = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "true" });
            world.LastReceive = await BackendHost.StartAsync(world._issuer, new Dictionary<string, string?>(settings)
            {
                ["Worker:Enabled"] = "true",
                ["Worker:MaxReceiveCount"] = "1", // its first receive of a copy is that copy's last
            }, s => s.AddSingleton(sp =>
            {
                world.Race = new RacingStore(sp.GetRequiredService<IStore>(), point);
                var runs = new RunStore(world.Race, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<RunOptions>>());
                return ActivatorUtilities.CreateInstance<SqsBatchProcessor>(sp, runs);
            }));
            _ = world.LastReceive.Services.GetRequiredService<SqsBatchProcessor>(); // built now: Race is set
            world._client = AwsClientFactory.Sqs(world._sqs.Address.ToString());
            return world;
        }

        /// <summary>One invocation of a worker instance with one message (a batch of one).</summary>
        public LambdaSqsPoller Invocation(BackendHost worker) => new(_client, _queue, worker.Client, batchSize: 1);

        public void ReleaseCalls() => _release.TrySetResult();

        /// <summary>The queued message and the id of its run of the tenant's rule.</summary>
        public async Task<(RunMessage Message, string RunId)> RunOfAsync(string tenant, string body)
        {
            var message = await Holder.Services.GetRequiredService<RunMessageCodec>().DecodeAsync(body, CancellationToken.None);
            var rules = (await _api.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
            return (message, RunIds.For(message, (string)rules.Single()!["id"]!));
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
            using var accepted = await _api.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "exhausted race"), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            return _sqs.Bodies(_queue).Single();
        }

        public Task SendCopyAsync(string body) => _client.SendMessageAsync(_queue, body);

        public async Task<JsonArray> RunsAsync(string tenant)
            => (await _api.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();

        public async ValueTask DisposeAsync()
        {
            _release.TrySetResult();
            _client.Dispose();
            await LastReceive.DisposeAsync();
            await Holder.DisposeAsync();
            await _api.DisposeAsync();
            _table.Dispose();
            await _sqs.DisposeAsync();
            await _kms.DisposeAsync();
            await _issuer.DisposeAsync();
            await _sink.DisposeAsync();
        }
    }
}
