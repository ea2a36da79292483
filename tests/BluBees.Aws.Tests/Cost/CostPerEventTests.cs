using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Cost;

/// <summary>
/// What one event costs on AWS, measured: the deployed shape (an API instance and a worker instance of the real app
/// on dynalite, the KMS and SQS stand-ins), the AWS calls each instance makes counted by the product's own metrics
/// (<see cref="AwsRequestMeter"/>), DynamoDB units as the service reports them (ReturnConsumedCapacity TOTAL).
/// Steady state: the tenant, its data key and its compiled rules are already cached by a first event. The numbers
/// are the ones docs/benchmarks.md reports; the test prints them.
/// </summary>
[TestFixture]
public sealed class CostPerEventTests
{
    private readonly FakeTimeProvider _queueClock = new();
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;
    private BackendHost _worker = null!;
    private IAmazonSQS _sqsClient = null!;
    private string _queueUrl = null!;
    private AwsCallTally _apiCalls = null!;
    private AwsCallTally _workerCalls = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(_queueClock);
        _table = await DynamoDbTable.CreateAsync();
        _queueUrl = _sqs.CreateQueue("blubees-cost-runs", TimeSpan.FromSeconds(900));
        var settings = _table.Settings();
        settings.WithKmsAndSqs(_kms, _kms.CreateKey(), _sqs, _queueUrl);
        _api = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" });
        _worker = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "true" });
        _sqsClient = AwsClientFactory.Sqs(_sqs.Address.ToString());
        _apiCalls = new AwsCallTally(_api.Services.GetRequiredService<IMeterFactory>());
        _workerCalls = new AwsCallTally(_worker.Services.GetRequiredService<IMeterFactory>());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _apiCalls.Dispose();
        _workerCalls.Dispose();
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
    public async Task A_matching_a_filtered_and_a_duplicate_event_cost_what_the_benchmarks_doc_says()
    {
        var tenant = Samples.NewTenant();
        var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);

        // Warm-up: the first event of a tenant fills the caches (tenant, data key, compiled rules) on both instances.
        var cold = await MeasureAsync(Samples.Event("OPS-1", "warm-up"), tenant, expectRun: true);
        TestContext.Out.WriteLine($"first event of the tenant: {cold}");

        var matching = Samples.Event("OPS-2", "matching");
        var run = await MeasureAsync(matching, tenant, expectRun: true);
        TestContext.Out.WriteLine($"matching:  {run}");
        Assert.Multiple(() =>
        {
            // Ingress: the rule-list stamp (GetItem), the de-duplication marker "sending" (conditional PutItem), the
            // message, the marker "queued" (conditional PutItem: a send killed before it is sent again by a redelivery).
            Assert.That(run.Api, Is.EqualTo(Calls(("dynamodb GetItem ok", 1), ("dynamodb PutItem ok", 2), ("sqs SendMessage ok", 1))));
            Assert.That((run.ApiRead, run.ApiWrite), Is.EqualTo((1.0, 2.0)));
            // Worker: the stamp and the connection (GetItem); the rule's run record (GetItem: did a copy of the message
            // finish it already? DuplicateCopyTests); the rule's run claim (conditional PutItem: a copy another
            // invocation runs at the same time does not run it too, ConcurrentCopyTests); the run record, its issue
            // pointer, the rule's last run (three writes); then the tenant's data key item, read strongly consistent
            // after the writes (GetItem: an uninstall that raced the run leaves nothing behind,
            // RunStore.RemoveIfUninstalledAsync). No KMS call: the tenant's data key is cached.
            Assert.That(run.Worker, Is.EqualTo(Calls(("dynamodb GetItem ok", 4), ("dynamodb PutItem ok", 1), ("dynamodb UpdateItem ok", 3))));
            Assert.That((run.WorkerRead, run.WorkerWrite), Is.EqualTo((4.0, 4.0)));
        });

        var filtered = await MeasureAsync(Samples.Event("OPS-3", "filtered", eventType: "avi:jira:deleted:issue"), tenant, expectRun: false);
        TestContext.Out.WriteLine($"filtered:  {filtered}");
        Assert.Multiple(() =>
        {
            // Filtered before the marker: one strongly consistent read of the stamp, no write, nothing queued.
            Assert.That(filtered.Api, Is.EqualTo(Calls(("dynamodb GetItem ok", 1))));
            Assert.That((filtered.ApiRead, filtered.ApiWrite), Is.EqualTo((1.0, 0.0)));
            Assert.That(filtered.Worker, Is.Empty);
        });

        // The rule listens to the type but not to the project: filtered at the ingress, which writes the rule's
        // "why didn't it run?" trace entry (best effort, unconditional), then reads the rule's head (GetItem): an entry
        // of a rule deleted meanwhile is taken back (RunStore.TakeBackTraceOfDeletedRulesAsync).
        var traced = await MeasureAsync(Samples.Event("WEB-4", "other project"), tenant, expectRun: false);
        TestContext.Out.WriteLine($"filtered, traced: {traced}");
        Assert.Multiple(() =>
        {
            Assert.That(traced.Api, Is.EqualTo(Calls(("dynamodb GetItem ok", 2), ("dynamodb UpdateItem ok", 1))));
            Assert.That((traced.ApiRead, traced.ApiWrite), Is.EqualTo((2.0, 1.0)));
            Assert.That(traced.Worker, Is.Empty);
        });

        // The trigger fires, the condition (priority High) does not: queued and run, but no run record; the worker
        // writes the trace entry instead.
        var lowPriority = Samples.Event("OPS-5", "low priority");
        lowPriority["issue"]!["fields"]!["priority"] = new JsonObject { ["name"] = "Low" };
        var missed = await MeasureAsync(lowPriority, tenant, expectRun: true);
        TestContext.Out.WriteLine($"queued, condition missed: {missed}");
        Assert.Multiple(() =>
        {
            Assert.That(missed.Api, Is.EqualTo(run.Api));
            Assert.That(missed.Worker, Is.EqualTo(Calls(("dynamodb GetItem ok", 4), ("dynamodb PutItem ok", 1), ("dynamodb UpdateItem ok", 1))), "the stamp; the rule's run record; its claim (before the conditions); the trace entry; the rule's head after it; the data key after it");
            Assert.That((missed.WorkerRead, missed.WorkerWrite), Is.EqualTo((4.0, 2.0)));
        });

        var duplicate = await MeasureAsync(matching, tenant, expectRun: false);
        TestContext.Out.WriteLine($"duplicate: {duplicate}");
        Assert.Multiple(() =>
        {
            // The marker's conditional PutItem fails: DynamoDB reports no capacity for it but bills 1 WCU.
            Assert.That(duplicate.Api, Is.EqualTo(Calls(("dynamodb GetItem ok", 2), ("dynamodb PutItem condition_failed", 1))), "the second read: whether the marker is open (unsent, or sending past its lease)");
            Assert.That((duplicate.ApiRead, duplicate.ApiWrite), Is.EqualTo((2.0, 0.0)));
            Assert.That(duplicate.Worker, Is.Empty);
        });
    }

    private static Dictionary<string, int> Calls(params (string Call, int Count)[] calls)
        => calls.ToDictionary(c => c.Call, c => c.Count, StringComparer.Ordinal);

    private sealed record Cost(
        IReadOnlyDictionary<string, int> Api, double ApiRead, double ApiWrite,
        IReadOnlyDictionary<string, int> Worker, double WorkerRead, double WorkerWrite)
    {
        public override string ToString()
            => $"API {string.Join(", ", Api.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} x{c.Value}"))} [RCU {ApiRead}, WCU {ApiWrite}]"
               + $" | worker {string.Join(", ", Worker.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} x{c.Value}"))} [RCU {WorkerRead}, WCU {WorkerWrite}]";
    }

    private async Task<Cost> MeasureAsync(JsonObject evt, string tenant, bool expectRun)
    {
        _apiCalls.Reset();
        _workerCalls.Reset();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", "system-token");
        using var response = await _api.Client.SendAsync(request);
        // 202 when queued; 200 when acknowledged without queueing (filtered, duplicate).
        Assert.That(response.StatusCode, Is.EqualTo(expectRun ? HttpStatusCode.Accepted : HttpStatusCode.OK));
        var delivery = await new LambdaSqsPoller(_sqsClient, _queueUrl, _worker.Client).DeliverOnceAsync();
        Assert.That(delivery.Messages, Has.Count.EqualTo(expectRun ? 1 : 0));
        return new Cost(_apiCalls.Requests, _apiCalls.ReadUnits, _apiCalls.WriteUnits, _workerCalls.Requests, _workerCalls.ReadUnits, _workerCalls.WriteUnits);
    }
}
