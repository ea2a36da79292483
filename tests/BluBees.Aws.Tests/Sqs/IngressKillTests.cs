using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A process killed while it sends a run message to SQS, on the deployed shape (API and worker instances of the real
/// app on DynamoDB, KMS and SQS stand-ins): the killed "process" is an ingress built over the API's real store and
/// queue whose send never returns (nothing after it runs: no catch, no marker update); the API's clock then moves past
/// the send lease. Forge's next delivery through the real app must queue the work once,
/// and the worker must leave one run record.
/// </summary>
[TestFixture]
public sealed class IngressKillTests
{
    private readonly FakeTimeProvider _queueClock = new(DateTimeOffset.UtcNow);

    /// <summary>The API's clock, which the killed process shares; moved past the send lease after the kill.</summary>
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;
    private BackendHost _worker = null!;
    private IAmazonSQS _sqsClient = null!;
    private string _queueUrl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(_queueClock);
        _table = await DynamoDbTable.CreateAsync();
        _queueUrl = _sqs.CreateQueue("blubees-test-runs", TimeSpan.FromSeconds(900));
        var settings = _table.Settings();
        settings.WithKmsAndSqs(_kms, _kms.CreateKey(), _sqs, _queueUrl);
        _api = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" }, s => s.AddSingleton<TimeProvider>(_clock));
        _worker = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "true" });
        _sqsClient = BluBees.Aws.AwsClientFactory.Sqs(_sqs.Address.ToString());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _sqsClient.Dispose();
        await _worker.DisposeAsync();
        await _api.DisposeAsync();
        _table.Dispose();
        await _sqs.DisposeAsync();
        await _kms.DisposeAsync();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_Forge_event_whose_ingress_was_killed_mid_send_is_queued_once_by_the_redelivery_and_leaves_one_run_record()
    {
        var tenant = await TenantWithAsync(connection => Samples.Rule(connection));
        var evt = Samples.Event("OPS-31", "Checkout broken");
        var dying = new DyingQueue();
        using var kill = new CancellationTokenSource();

        var killed = Ingress(dying).IngestAsync(new TenantContext(tenant, null, null), JiraEvent.From(evt, out _)!, null, null, kill.Token);
        await dying.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _clock.Advance(TimeSpan.FromMinutes(3)); // past the send lease (2 min)

        using (var redelivery = await PostEventAsync(tenant, evt))
        {
            Assert.That(redelivery.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the killed send left its marker open: the redelivery sends it");
        }

        using (var again = await PostEventAsync(tenant, evt))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "once sent, a further delivery is a duplicate");
        }

        await AssertOneRunAsync(tenant);
        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_redelivery_while_the_first_send_may_still_be_running_is_asked_to_retry_neither_dropped_nor_sent_twice()
    {
        var tenant = await TenantWithAsync(connection => Samples.Rule(connection));
        var evt = Samples.Event("OPS-32", "Checkout broken");
        var dying = new DyingQueue();
        using var kill = new CancellationTokenSource();

        var killed = Ingress(dying).IngestAsync(new TenantContext(tenant, null, null), JiraEvent.From(evt, out _)!, null, null, kill.Token);
        await dying.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var early = await PostEventAsync(tenant, evt))
        {
            Assert.That(early.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "within the send lease the first send's outcome is unknown: retry later");
        }

        Assert.That(_api.Logs.AllText, Does.Contain("work refused: another delivery of this event is still being sent"), "the operator's log says why, not 'the queue is full'");

        Assert.That(_sqs.Bodies(_queueUrl).Count(b => (string?)JsonNode.Parse(b)!["tenant"] == tenant), Is.Zero);
        _clock.Advance(TimeSpan.FromMinutes(3)); // past the send lease (2 min): Forge's later retry
        using (var retry = await PostEventAsync(tenant, evt))
        {
            Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await AssertOneRunAsync(tenant);
        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task An_interval_schedule_whose_delivery_was_killed_mid_send_is_queued_once_by_the_next_delivery_and_leaves_one_run_record()
    {
        var tenant = await TenantWithAsync(connection => Rule(connection, new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } }));
        var dying = new DyingQueue();
        using var kill = new CancellationTokenSource();

        var killed = Runner(Ingress(dying)).FireDueAsync(new TenantContext(tenant, null, null), null, kill.Token);
        await dying.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _clock.Advance(TimeSpan.FromMinutes(3)); // past the send lease (2 min)

        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "the killed delivery's send never happened: the next delivery sends the interval");
        Assert.That(await TriggerAsync(tenant), Is.Zero, "Forge's retry after the successful delivery fires nothing");

        await AssertOneRunAsync(tenant);
        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    /// <summary>The tenant's messages are in SQS once; the worker runs them; one run record, one third-party call.</summary>
    private async Task AssertOneRunAsync(string tenant)
    {
        var before = _thirdParty.Received.Count;
        Assert.That(_sqs.Bodies(_queueUrl).Count(b => (string?)JsonNode.Parse(b)!["tenant"] == tenant), Is.EqualTo(1), "one message in the queue");
        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _worker.Client);
        for (var round = 0; round < 10 && _sqs.Bodies(_queueUrl).Count > 0; round++)
        {
            await poller.DeliverOnceAsync();
        }

        var runs = await _api.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.Multiple(() =>
        {
            Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1), "exactly one run record");
            Assert.That((string?)runs["items"]![0]!["status"], Is.EqualTo("succeeded"));
            Assert.That(_thirdParty.Received.Count - before, Is.EqualTo(1));
        });
    }

    /// <summary>The killed process's ingress: the API's store, a queue that dies in the send, the killed clock.</summary>
    private EventIngestor Ingress(IRunQueue queue)
    {
        var s = _api.Services;
        return new EventIngestor(s.GetRequiredService<IStore>(), queue, s.GetRequiredService<TenantService>(), s.GetRequiredService<RuleService>(), new IngressGate(),
            s.GetRequiredService<BluBees.Engine.Observability.BluBeesMetrics>(), _clock, NullLogger<EventIngestor>.Instance, s.GetRequiredService<RunStore>());
    }

    private ScheduleRunner Runner(EventIngestor ingress)
    {
        var s = _api.Services;
        var store = s.GetRequiredService<IStore>();
        var cron = new CronTicks(store, ingress, ActivatorUtilities.CreateInstance<JiraIssueSearch>(s), s.GetRequiredService<BluBees.Engine.Runs.RunStore>(), _clock, NullLogger<CronTicks>.Instance);
        return new ScheduleRunner(s.GetRequiredService<RuleService>(), store, ingress, s.GetRequiredService<TenantService>(), cron, s.GetRequiredService<BluBees.Engine.Rules.IRuleRunHistory>(), _clock, NullLogger<ScheduleRunner>.Instance);
    }

    private async Task<string> TenantWithAsync(Func<string, JsonObject> rule)
    {
        var tenant = Samples.NewTenant();
        var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule((string)connection["id"]!), 201);
        return tenant;
    }

    private static JsonObject Rule(string connectionId, JsonObject trigger) => new()
    {
        ["name"] = "Rule " + Guid.NewGuid().ToString("N")[..6],
        ["trigger"] = trigger,
        ["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "call",
            ["type"] = "http",
            ["connection"] = connectionId,
            ["method"] = "POST",
            ["path"] = "/interval",
            ["body"] = new JsonObject { ["source"] = "{{ event.source }}" },
        }),
    };

    private async Task<HttpResponseMessage> PostEventAsync(string tenant, JsonObject evt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events") { Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant, _clock.GetUtcNow()));
        return await _api.Client.SendAsync(request);
    }

    private async Task<int> TriggerAsync(string tenant)
    {
        using var response = await _api.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", _issuer.MintFor("/forge/scheduled", tenant, _clock.GetUtcNow()), "{}", withUserToken: false);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
        return JsonNode.Parse(text)!["queued"]!.GetValue<int>();
    }

    /// <summary>The process dies inside the send: nothing is sent and the call never returns.</summary>
    private sealed class DyingQueue : IRunQueue
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public async ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
        {
            Reached.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }
    }
}
