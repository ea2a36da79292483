using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A message's last receive (its receive count at the queue's maxReceiveCount) writes <c>delivery_exhausted</c> records:
/// before it runs (so that a kill leaves them), and when it fails. On AWS the uninstall runs on an API instance while the
/// worker instance runs the message: each of those writes reads the rules and the record first, then writes, and an
/// uninstall whose erase comes between the read and the write left the write behind — a run record (with its issue key),
/// its issue pointer, or the rule's last run that the early record's take-back put back — until the retention, with no
/// erase to come but the finish message 15 minutes later. Every other write of the SQS worker's path is checked after it
/// against the data key as stored (<c>RunStore.RemoveIfUninstalledAsync</c>); these are too now. The deployed shape on
/// loopback: an API and a worker instance of the real app on dynalite, the KMS and SQS stand-ins; the test plays the
/// event source mapping, holds the finish message's delay (the queue's clock does not move), and runs the uninstall
/// exactly in that window: the worker's store runs it before the read of the record the write follows.
/// </summary>
[TestFixture]
public sealed class LastReceiveUninstallRaceTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_failed_last_receives_record_written_after_the_uninstall_elsewhere_is_removed_again()
    {
        var calls = new ConcurrentQueue<string>();
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            await HangAsync(context); // still waiting at the worker's run deadline
        });
        await using var shape = await Shape.StartAsync(sink.Address);
        await shape.RuleAsync();
        await shape.AcceptAsync();

        var delivery = shape.Poller.DeliverOnceAsync(); // receive 1 of 1: the last
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(calls.Count), n => n >= 1, Generous), Is.EqualTo(1), "the run reached its step");
        Assert.That(await shape.TenantItemsAsync(), Does.Contain(Keys.RunPrefix + "*"), "control: the last receive wrote its early record");

        // The run is cut off at the deadline; the failed last receive then reads its rule's record and writes its
        // delivery_exhausted record: the uninstall comes just before that read.
        shape.Hook.Arm(shape.UninstallAsync);
        shape.WorkerClock.Advance(TimeSpan.FromSeconds(6));
        var result = await delivery.WaitAsync(Generous);

        Assert.That((result.Messages.Count, shape.Hook.Ran), Is.EqualTo((1, true)), "control: the worker received the message and the uninstall ran in the window");
        Assert.That(await shape.TenantItemsAsync(), Is.Empty, "what the worker wrote for the uninstalled tenant after the uninstall's erase");
    }

    [Test]
    public async Task A_last_receives_early_record_written_after_the_uninstall_elsewhere_leaves_nothing_not_even_the_rules_last_run()
    {
        await using var sink = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await using var shape = await Shape.StartAsync(sink.Address);
        await shape.RuleAsync();
        await shape.AcceptAsync();
        Assert.That((await shape.Poller.DeliverOnceAsync()).Deleted, Has.Count.EqualTo(1), "control: a first event ran (the rule has a last run)");
        Assert.That(await shape.TenantItemsAsync(), Does.Contain(Keys.LastRun(shape.RuleId)));

        // The next event's last receive reads its rule's record before it writes the early one: the uninstall comes there.
        await shape.AcceptAsync();
        shape.Hook.Arm(shape.UninstallAsync);
        var result = await shape.Poller.DeliverOnceAsync();

        Assert.That((result.Messages.Count, shape.Hook.Ran), Is.EqualTo((1, true)), "control: the worker received the message and the uninstall ran in the window");
        Assert.That(await shape.TenantItemsAsync(), Is.Empty, "what the worker wrote for the uninstalled tenant after the uninstall's erase");
    }

    private static async Task HangAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Runs an action once, when armed, before the next point read of a run record in the tenant partition.</summary>
    private sealed class RunReadHook
    {
        private Func<Task>? _armed;

        public bool Ran { get; private set; }

        public void Arm(Func<Task> action) => _armed = action;

        public async Task BeforeGetAsync(string sk)
        {
            if (sk.StartsWith(Keys.RunPrefix, StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, null) is { } action)
            {
                await action();
                Ran = true;
            }
        }
    }

    /// <summary>The worker's store: as the real one, with <see cref="RunReadHook"/> before each point read.</summary>
    private sealed class HookedStore(IStore inner, RunReadHook hook) : IStore
    {
        public async Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
        {
            await hook.BeforeGetAsync(sk);
            return await inner.GetAsync(pk, sk, ct);
        }

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);

        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

        public Task<QueryPage> QueryAsync(BluBees.Engine.Storage.QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }

    /// <summary>An API and a worker instance (maxReceiveCount 1: every receive is the last) on one table, KMS and queue.</summary>
    private sealed class Shape : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private DynamoDbTable _table = null!;
        private IAmazonSQS _client = null!;
        private BackendHost _api = null!;
        private BackendHost _worker = null!;
        private string _connection = null!;

        public FakeTimeProvider WorkerClock { get; } = new(DateTimeOffset.UtcNow);

        public RunReadHook Hook { get; } = new();

        public LambdaSqsPoller Poller { get; private set; } = null!;

        public string Tenant { get; } = Samples.NewTenant();

        public string RuleId { get; private set; } = null!;

        public static async Task<Shape> StartAsync(Uri sink)
        {
            var shape = new Shape();
            var issuer = await TestIssuer.StartAsync();
            shape._owned.Add(issuer);
            var kms = await KmsFake.StartAsync();
            shape._owned.Add(kms);
            var sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow)); // held: the finish message's delay never passes
            shape._owned.Add(sqs);
            shape._table = await DynamoDbTable.CreateAsync();
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var deadLetters = sqs.CreateQueue("blubees-test-race-dl-" + suffix, Visibility);
            var queue = sqs.CreateQueue("blubees-test-race-" + suffix, Visibility, deadLetters, 1);
            var settings = shape._table.Settings().WithKmsAndSqs(kms, kms.CreateKey(), sqs, queue);
            shape._api = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" });
            shape._worker = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>(settings)
            {
                ["Worker:Enabled"] = "true", ["Worker:RunDeadlineSeconds"] = "5", ["Worker:MaxReceiveCount"] = "1",
            }, s =>
            {
                s.AddSingleton<TimeProvider>(shape.WorkerClock);
                var real = s.Last(d => d.ServiceType == typeof(IStore));
                s.Remove(real);
                s.AddSingleton<IStore>(sp => new HookedStore((IStore)real.ImplementationFactory!(sp), shape.Hook));
            });
            shape._client = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
            shape.Poller = new LambdaSqsPoller(shape._client, queue, shape._worker.Client);
            shape._connection = (await shape._api.JsonAsync(HttpMethod.Post, "/api/connections", shape.Tenant, Samples.Connection(sink, "t0ken"), 201))["id"]!.GetValue<string>();
            return shape;
        }

        public async Task RuleAsync()
        {
            var rule = new JsonObject
            {
                ["name"] = "Raced",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call", ["type"] = "http", ["connection"] = _connection, ["method"] = "POST", ["path"] = "/raced", ["timeoutSeconds"] = 60,
                }),
            };
            RuleId = (await _api.JsonAsync(HttpMethod.Post, "/api/rules", Tenant, rule, 201))["id"]!.GetValue<string>();
        }

        public async Task AcceptAsync()
        {
            var issueKey = "OPS-" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var accepted = await _api.SendAsync(HttpMethod.Post, "/forge/events", Tenant, Samples.Event(issueKey, "last receive"), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        public async Task UninstallAsync()
        {
            using var uninstall = await _api.SendAsync(HttpMethod.Post, "/forge/uninstall", Tenant, new JsonObject(), withUserToken: false);
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await TenantItemsAsync(), Is.Empty, "control: the uninstall erased the tenant's partition");
        }

        /// <summary>The sort keys of the tenant's partition in the table (run records as <c>RUN#*</c>), read consistently.</summary>
        public async Task<IReadOnlyList<string>> TenantItemsAsync()
        {
            var keys = new List<string>();
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await _table.Client.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
                {
                    TableName = _table.Name,
                    ConsistentRead = true,
                    KeyConditionExpression = "pk = :pk",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new() { S = Keys.Tenant(Tenant) } },
                    ExclusiveStartKey = start,
                });
                keys.AddRange(page.Items.Select(i => i["sk"].S is { } sk && sk.StartsWith(Keys.RunPrefix, StringComparison.Ordinal) ? Keys.RunPrefix + "*" : i["sk"].S));
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);

            return keys;
        }

        public async ValueTask DisposeAsync()
        {
            await _worker.DisposeAsync();
            await _api.DisposeAsync();
            _client.Dispose();
            _table.Dispose();
            foreach (var owned in Enumerable.Reverse(_owned))
            {
                await owned.DisposeAsync();
            }
        }
    }
}
