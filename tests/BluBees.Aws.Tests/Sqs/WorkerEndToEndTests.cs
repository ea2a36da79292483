using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Sqs;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using BluBees.Engine.Execution;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// The deployed shape on loopback: an API instance and a worker instance of the real app, both on DynamoDB
/// (dynalite), KMS (stand-in) and SQS (stand-in). Ingress enqueues an encrypted message; the test plays the
/// Lambda event source mapping and delivers it to the worker's <c>/internal/sqs-batch</c>; the third party
/// receives the call. A poison message is retried, then redriven to the dead-letter queue.
/// </summary>
[TestFixture]
public sealed class WorkerEndToEndTests
{
    private const int MaxReceiveCount = 3;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);
    private readonly FakeTimeProvider _queueClock = new(DateTimeOffset.UtcNow); // SentTimestamp is wall-clock time, as in SQS
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;
    private BackendHost _worker = null!;
    private IAmazonSQS _sqsClient = null!;
    private string _queueUrl = null!;
    private string _dlqUrl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(_queueClock);
        _table = await DynamoDbTable.CreateAsync();
        _dlqUrl = _sqs.CreateQueue("blubees-test-runs-dlq", Visibility);
        _queueUrl = _sqs.CreateQueue("blubees-test-runs", Visibility, _dlqUrl, MaxReceiveCount);
        var settings = _table.Settings();
        settings.WithKmsAndSqs(_kms, _kms.CreateKey(), _sqs, _queueUrl);
        _api = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(settings) { ["Worker:Enabled"] = "false" });
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

    [TearDown]
    public void ShowServerErrorsOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            foreach (var line in _api.Logs.Lines.Concat(_worker.Logs.Lines).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal)))
            {
                TestContext.Out.WriteLine(line);
            }
        }
    }

    [Test]
    public async Task An_event_travels_encrypted_through_SQS_to_the_worker_and_reaches_the_third_party()
    {
        Assert.That(_api.Services.GetRequiredService<IRunQueue>(), Is.InstanceOf<SqsRunQueue>());
        Assert.That(_api.Services.GetServices<IHostedService>().OfType<RunWorker>(), Is.Empty, "no in-process worker when the queue is SQS");

        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var payload = Samples.Canary("payload");
        var systemToken = Samples.Canary("system-token");
        var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, secret), 201);
        await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        var before = _thirdParty.Received.Count;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = JsonContentOf(Samples.Event("OPS-42", "Checkout broken " + payload)),
        };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", systemToken);
        using var accepted = await _api.Client.SendAsync(request);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var body = _sqs.Bodies(_queueUrl).Single();
        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Not.Contain(payload).And.Not.Contain(systemToken).And.Not.Contain(secret), "the queue holds ciphertext only");
            Assert.That(body, Does.Not.Contain("OPS-42"));
            Assert.That((string?)JsonNode.Parse(body)!["tenant"], Is.EqualTo(tenant));
            Assert.That(_thirdParty.Received, Has.Count.EqualTo(before), "nothing runs until the worker gets the batch");
        });

        using var notMapped = await _api.Client.PostAsync("/internal/sqs-batch", JsonContentOf(new JsonObject { ["Records"] = new JsonArray() }));
        Assert.That(notMapped.IsSuccessStatusCode, Is.False, "the API instance (Worker:Enabled=false) has no worker route");

        var delivery = await new LambdaSqsPoller(_sqsClient, _queueUrl, _worker.Client).DeliverOnceAsync();

        Assert.That((delivery.Status, delivery.Messages.Count, delivery.Failures.Count), Is.EqualTo((200, 1, 0)));
        var received = _thirdParty.Received.Skip(before).Single();
        Assert.Multiple(() =>
        {
            Assert.That(received.Path, Is.EqualTo("/api/v2/tickets/OPS-42"));
            Assert.That(received.Headers["Authorization"], Is.EqualTo("Bearer " + secret));
            Assert.That(JsonNode.Parse(received.Body)!["title"]!.GetValue<string>(), Is.EqualTo("Checkout broken " + payload));
        });
        var runs = await _api.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.That((string?)runs["items"]![0]!["status"], Is.EqualTo("succeeded"), "the worker's run record is in the shared table");
        Assert.That(_sqs.Bodies(_queueUrl), Is.Empty, "a processed message is deleted");
    }

    [Test]
    public async Task A_send_whose_answer_was_lost_but_whose_message_was_kept_leaves_one_run_record_after_the_redelivery()
    {
        // SQS kept the message and the answer was lost (500 after storing; the SDK's retries keep more copies): the
        // ingress answers 503 and marks the event unsent; Forge's redelivery sends it again under the same receipt
        // and message id, so every copy runs to the same run id. Steps are at least once; the run record is one.
        var tenant = Samples.NewTenant();
        var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        var evt = Samples.Event("OPS-77", "Checkout broken");
        _sqs.FailSends(SqsFault.KeptThenInternalError);
        try
        {
            using var failed = await PostEventAsync(tenant, evt);
            Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            _sqs.FailSends(null);
        }

        var kept = _sqs.Bodies(_queueUrl).Count;
        Assert.That(kept, Is.GreaterThanOrEqualTo(1), "the queue kept the message whose answer was lost");
        var redelivery = evt.DeepClone().AsObject();
        redelivery["retryContext"] = new JsonObject { ["retryCount"] = 1, ["retryReason"] = "FUNCTION_ERROR" };
        using (var retried = await PostEventAsync(tenant, redelivery))
        {
            Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the redelivery is sent again, not taken for a duplicate");
        }

        using (var again = await PostEventAsync(tenant, redelivery))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "once sent, a further delivery is a duplicate");
        }

        Assert.That(_sqs.Bodies(_queueUrl), Has.Count.EqualTo(kept + 1));
        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _worker.Client);
        for (var round = 0; round < 10 && _sqs.Bodies(_queueUrl).Count > 0; round++)
        {
            await poller.DeliverOnceAsync();
        }

        var runs = await _api.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.Multiple(() =>
        {
            Assert.That(_sqs.Bodies(_queueUrl), Is.Empty, "every copy was processed");
            Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1), "one event, one run record");
            Assert.That((string?)runs["items"]![0]!["status"], Is.EqualTo("succeeded"));
        });
    }

    private async Task<HttpResponseMessage> PostEventAsync(string tenant, JsonObject evt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events") { Content = JsonContentOf(evt) };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
        return await _api.Client.SendAsync(request);
    }

    [Test]
    public async Task A_poison_message_is_retried_then_moved_to_the_dead_letter_queue()
    {
        var tenant = Samples.NewTenant();
        await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        var good = await _api.Services.GetRequiredService<RunMessageCodec>().EncodeAsync(
            new RunMessage(new(tenant, null, null), RunSource.Event, "{}", DateTimeOffset.UtcNow), default);
        var poison = JsonNode.Parse(good)!;
        poison["ct"] = Convert.ToBase64String(new byte[64]);
        await _sqsClient.SendMessageAsync(_queueUrl, poison.ToJsonString());
        var poller = new LambdaSqsPoller(_sqsClient, _queueUrl, _worker.Client);

        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var delivery = await poller.DeliverOnceAsync();
            Assert.That(delivery.Failures, Has.Count.EqualTo(1), $"receive {receive}: reported as a batch item failure");
            Assert.That(delivery.Messages.Single().Attributes["ApproximateReceiveCount"], Is.EqualTo(receive.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty, "invisible until the visibility timeout ends");
            _queueClock.Advance(Visibility);
        }

        Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty, "after maxReceiveCount receives SQS redrives instead of delivering");
        Assert.That(_sqs.Bodies(_queueUrl), Is.Empty);
        Assert.That(_sqs.Bodies(_dlqUrl), Is.EqualTo(new[] { poison.ToJsonString() }));
    }

    [Test]
    public async Task A_batch_the_worker_answers_with_an_error_status_is_retried_then_dead_lettered_not_deleted()
    {
        // A worker that cannot take the batch (here: larger than its Worker:MaxBatchBytes, so Kestrel answers 413)
        // answers 4xx every time. Through the adapter as deployed (AWS_LWA_ERROR_STATUS_CODES) the invocation
        // fails, the batch returns to the queue, and after maxReceiveCount receives SQS moves it to the DLQ, where
        // the dead-letter alarm sees it.
        var dlq = _sqs.CreateQueue("blubees-test-oversize-dlq", Visibility);
        var queue = _sqs.CreateQueue("blubees-test-oversize", Visibility, dlq, MaxReceiveCount);
        var settings = new Dictionary<string, string?>(_table.Settings())
        {
            ["Keys:Provider"] = "Kms",
            ["Keys:KmsKeyId"] = _kms.CreateKey(),
            ["Keys:KmsServiceUrl"] = _kms.Address.ToString(),
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = _sqs.Address.ToString(),
            ["Worker:Enabled"] = "true",
            ["Worker:MaxBatchBytes"] = (64 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var smallWorker = await BackendHost.StartAsync(_issuer, settings);
        var body = new string('a', 70 * 1024);
        await _sqsClient.SendMessageAsync(queue, body);
        var poller = new LambdaSqsPoller(_sqsClient, queue, smallWorker.Client);

        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var delivery = await poller.DeliverOnceAsync();
            Assert.That((delivery.Status, delivery.InvocationFailed, delivery.Deleted.Count), Is.EqualTo((413, true, 0)),
                $"receive {receive}: the error status fails the invocation; nothing is deleted");
            _queueClock.Advance(Visibility);
        }

        Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty);
        Assert.That(_sqs.Bodies(queue), Is.Empty);
        Assert.That(_sqs.Bodies(dlq), Is.EqualTo(new[] { body }), "the poison batch is in the DLQ (alarm: ApproximateNumberOfMessagesVisible > 0)");

        // What the adapter does without AWS_LWA_ERROR_STATUS_CODES: the 413 is dropped, the body is not a batch
        // response, Lambda counts the batch as a success and deletes it — silently gone.
        await _sqsClient.SendMessageAsync(queue, body);
        var unconfigured = new LambdaSqsPoller(_sqsClient, queue, smallWorker.Client, errorStatusCodes: null, useTemplate: false);
        var lost = await unconfigured.DeliverOnceAsync();
        Assert.That((lost.Status, lost.InvocationFailed, lost.Deleted.Count), Is.EqualTo((413, false, 1)));
        Assert.That(_sqs.Bodies(queue), Is.Empty);
        Assert.That(_sqs.Bodies(dlq), Has.Count.EqualTo(1), "nothing reached the DLQ: this is why the template sets the error status codes");
    }

    private static StringContent JsonContentOf(JsonNode node) => new(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
