using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A worker invocation killed (out of memory, a runtime crash, the function's timeout) while it runs a message's last
/// receive (its receive count at the queue's maxReceiveCount) writes nothing more: SQS moves the message to the
/// dead-letter queue on the next receive. Its records must already be there: the last receive writes, before it runs,
/// the <c>delivery_exhausted</c> record of every rule the message targets, which the run then overwrites with its
/// outcome (the same run ids). Here the "kill" is an invocation that never finishes: its third party accepts the call
/// and never answers, its run deadline never passes (the worker's clock is held), and the queue's clock moves past the
/// visibility timeout, so that the next receive dead-letters the message as SQS does (SqsFake). On the deployed shape:
/// dynalite, the KMS and SQS stand-ins.
/// </summary>
[TestFixture]
public sealed class LastReceiveKillTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Test]
    public async Task A_run_killed_on_its_last_receive_leaves_one_delivery_exhausted_record_per_rule()
    {
        var calls = new ConcurrentQueue<string>();
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            await HangAsync(context); // the invocation is killed while it waits
        });
        await using var shape = await Shape.StartAsync(sink.Address, maxReceiveCount: 1);
        var first = await shape.RuleAsync("First", condition: null);
        var second = await shape.RuleAsync("Second", condition: null);
        await shape.AcceptAsync("OPS-41");

        var killed = shape.Poller.DeliverOnceAsync(); // receive 1 of 1: the last
        // The rules of a message run one after the other: killed in the first one's step, the second never started.
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(calls.Count), n => n >= 1, Generous), Is.EqualTo(1), "the first rule reached its step");
        _ = killed.ContinueWith(t => t.Exception, TaskScheduler.Default); // never finishes while the test looks: killed

        shape.QueueClock.Advance(Visibility);
        Assert.That((await shape.Poller.DeliverOnceAsync()).Messages, Is.Empty, "not received again: dead-lettered");
        Assert.That(shape.Sqs.Bodies(shape.DeadLetterQueue), Has.Count.EqualTo(1), "dead-lettered");
        var runs = await shape.RunsAsync();
        Assert.That(runs.Select(r => (r["ruleId"]!.GetValue<string>(), r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())).Order(),
            Is.EqualTo(new[] { (first, "failed", (string?)ErrorCategories.DeliveryExhausted), (second, "failed", ErrorCategories.DeliveryExhausted) }.Order()),
            "exactly one delivery_exhausted record per rule the event targets, though the invocation never finished");
    }

    [Test]
    public async Task A_last_receive_that_succeeds_overwrites_its_early_record_and_earlier_receives_write_nothing_early()
    {
        var calls = 0;
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await HangAsync(context); // receive 1: cut off by the run deadline
                return;
            }

            await answer.Task; // receive 2: answers once the test has looked at the store
            context.Response.StatusCode = 200;
        });
        await using var shape = await Shape.StartAsync(sink.Address, maxReceiveCount: 2);
        var rule = await shape.RuleAsync("Answered", condition: null);
        await shape.AcceptAsync("OPS-42");

        var receive1 = shape.Poller.DeliverOnceAsync();
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Volatile.Read(ref calls)), n => n >= 1, Generous), Is.EqualTo(1));
        Assert.That(await shape.RunsAsync(), Is.Empty, "an earlier receive writes no record before it runs");
        shape.Clock.Advance(TimeSpan.FromSeconds(6)); // past the run deadline
        Assert.That((await receive1.WaitAsync(Generous)).Failures, Has.Count.EqualTo(1), "cut off: returns to the queue");
        shape.QueueClock.Advance(Visibility);

        var receive2 = shape.Poller.DeliverOnceAsync(); // the last
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Volatile.Read(ref calls)), n => n >= 2, Generous), Is.EqualTo(2));
        Assert.That((await shape.RunsAsync()).Select(r => r["errorCategory"]?.GetValue<string>()), Is.EqualTo(new[] { ErrorCategories.DeliveryExhausted }),
            "while the last receive runs, its record already says what a kill would leave");
        answer.SetResult();
        Assert.That((await receive2.WaitAsync(Generous)).Deleted, Has.Count.EqualTo(1), "succeeded: deleted");
        var runs = await shape.RunsAsync();
        Assert.That(runs.Select(r => (r["ruleId"]!.GetValue<string>(), r["status"]!.GetValue<string>())), Is.EqualTo(new[] { (rule, "succeeded") }),
            "exactly one record, overwritten with the run's outcome");
        Assert.That(shape.Sqs.Bodies(shape.DeadLetterQueue), Is.Empty);
    }

    [Test]
    public async Task A_last_receive_leaves_no_record_for_a_rule_whose_conditions_do_not_match()
    {
        await using var sink = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await using var shape = await Shape.StartAsync(sink.Address, maxReceiveCount: 1);
        var ran = await shape.RuleAsync("Runs", condition: null);
        var filtered = await shape.RuleAsync("Filtered", condition: "^never");
        await shape.AcceptAsync("OPS-43");

        Assert.That((await shape.Poller.DeliverOnceAsync()).Deleted, Has.Count.EqualTo(1));
        var runs = await shape.RunsAsync();
        Assert.That(runs.Select(r => (r["ruleId"]!.GetValue<string>(), r["status"]!.GetValue<string>())), Is.EqualTo(new[] { (ran, "succeeded") }),
            "the rule its conditions filtered out leaves no record, as on any receive");
        var rules = (await shape.Backend.JsonAsync(HttpMethod.Get, "/api/rules", shape.Tenant))["items"]!.AsArray();
        var lastRun = rules.Single(r => r!["id"]!.GetValue<string>() == filtered)!["lastRun"];
        Assert.That(lastRun, Is.Null, "nor a last run pointing at a record that is not there");
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

    /// <summary>One backend (API and worker) on dynalite, the KMS and SQS stand-ins, a queue with its dead-letter queue.</summary>
    private sealed class Shape : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private DynamoDbTable _table = null!;
        private Amazon.SQS.IAmazonSQS _client = null!;
        private Uri _sink = null!;

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public FakeTimeProvider QueueClock { get; } = new(DateTimeOffset.UtcNow);

        public SqsFake Sqs { get; private set; } = null!;

        public string DeadLetterQueue { get; private set; } = null!;

        public BackendHost Backend { get; private set; } = null!;

        public LambdaSqsPoller Poller { get; private set; } = null!;

        public string Tenant { get; } = Samples.NewTenant();

        private string _connection = null!;

        public static async Task<Shape> StartAsync(Uri sink, int maxReceiveCount)
        {
            var shape = new Shape { _sink = sink };
            var issuer = await TestIssuer.StartAsync();
            shape._owned.Add(issuer);
            var kms = await KmsFake.StartAsync();
            shape._owned.Add(kms);
            shape.Sqs = await SqsFake.StartAsync(shape.QueueClock);
            shape._owned.Add(shape.Sqs);
            shape._table = await DynamoDbTable.CreateAsync();
            var suffix = Guid.NewGuid().ToString("N")[..8];
            shape.DeadLetterQueue = shape.Sqs.CreateQueue("blubees-test-last-dl-" + suffix, Visibility);
            var queue = shape.Sqs.CreateQueue("blubees-test-last-" + suffix, Visibility, shape.DeadLetterQueue, maxReceiveCount);
            var settings = shape._table.Settings().WithKmsAndSqs(kms, kms.CreateKey(), shape.Sqs, queue);
            settings["Worker:Enabled"] = "true";
            settings["Worker:RunDeadlineSeconds"] = "5";
            settings["Worker:MaxReceiveCount"] = maxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
            shape.Backend = await BackendHost.StartAsync(issuer, settings, s => s.AddSingleton<TimeProvider>(shape.Clock));
            shape._client = AwsClientFactory.Sqs(shape.Sqs.Address.ToString());
            shape.Poller = new LambdaSqsPoller(shape._client, queue, shape.Backend.Client);
            shape._connection = (await shape.Backend.JsonAsync(HttpMethod.Post, "/api/connections", shape.Tenant, Samples.Connection(sink, "t0ken"), 201))["id"]!.GetValue<string>();
            return shape;
        }

        public async Task<string> RuleAsync(string name, string? condition)
        {
            var rule = new JsonObject
            {
                ["name"] = name,
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call", ["type"] = "http", ["connection"] = _connection, ["method"] = "POST", ["path"] = "/" + name.ToLowerInvariant(), ["timeoutSeconds"] = 60,
                }),
            };
            if (condition is not null)
            {
                rule["conditions"] = new JsonObject
                {
                    ["all"] = new JsonArray(new JsonObject { ["field"] = "issue.fields.summary", ["op"] = "matches", ["value"] = condition }),
                };
            }

            return (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", Tenant, rule, 201))["id"]!.GetValue<string>();
        }

        public async Task AcceptAsync(string issueKey)
        {
            using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", Tenant, Samples.Event(issueKey, "last receive"), withUserToken: false);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        public async Task<IReadOnlyList<JsonNode>> RunsAsync()
            => [.. (await Backend.JsonAsync(HttpMethod.Get, "/api/runs", Tenant))["items"]!.AsArray().Select(n => n!)];

        public async ValueTask DisposeAsync()
        {
            await Backend.DisposeAsync();
            _client.Dispose();
            _table.Dispose();
            foreach (var owned in Enumerable.Reverse(_owned))
            {
                await owned.DisposeAsync();
            }
        }
    }
}
