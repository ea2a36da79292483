using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Crypto;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// Fault injection on the ingress → SQS path, through the real app, the real SDK clients and the SQS and KMS
/// stand-ins speaking the wire protocols. Whatever fails while the run message is encrypted or sent, the event
/// must not be lost: the answer is a 503 ProblemDetails with Retry-After (Forge redelivers after a non-2xx), no
/// de-duplication marker is left "unsent", and Forge's redelivery is accepted and queued exactly once.
/// </summary>
[TestFixture]
public sealed class IngressSendFailureTests
{
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;
    private string _queueUrl = null!;
    private string _keyArn = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
        _table = await DynamoDbTable.CreateAsync();
        _queueUrl = _sqs.CreateQueue("blubees-test-runs", TimeSpan.FromSeconds(900));
        _keyArn = _kms.CreateKey();
        var settings = _table.Settings();
        settings.WithKmsAndSqs(_kms, _keyArn, _sqs, _queueUrl);
        settings["Worker:Enabled"] = "false";
        _settings = settings;
        _api = await BackendHost.StartAsync(_issuer, settings);
    }

    private Dictionary<string, string?> _settings = null!;

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        _table.Dispose();
        await _sqs.DisposeAsync();
        await _kms.DisposeAsync();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TearDown]
    public void Heal()
    {
        _sqs.FailSends(null);
        _kms.EnableKey(_keyArn);
    }

    // NoAnswer has its own test (the send deadline); KeptThenInternalError queues the message, WorkerEndToEndTests.
    private static IEnumerable<SqsFault> Faults() => Enum.GetValues<SqsFault>().Where(f => f is not (SqsFault.NoAnswer or SqsFault.KeptThenInternalError));

    [TestCaseSource(nameof(Faults))]
    public async Task A_failed_send_answers_503_marks_the_event_unsent_and_the_redelivery_is_queued(SqsFault fault)
    {
        var tenant = await TenantWithRuleAsync();
        var evt = Samples.Event("OPS-7", "Checkout broken");
        _sqs.FailSends(fault);

        await AssertRetryLaterAsync(tenant, evt);

        _sqs.FailSends(null);
        await AssertRedeliveryQueuedOnceAsync(tenant, evt);
    }

    [Test]
    public async Task An_unsent_marker_written_by_a_later_build_still_lets_the_redelivery_be_queued_once()
    {
        // Old and new builds share the table across a deploy and a rollback: a later build's marker may carry a field
        // this build lacks. Its state must still count ("unsent": send again), not make the event a duplicate.
        var tenant = await TenantWithRuleAsync();
        var evt = Samples.Event("OPS-12", "Checkout broken");
        _sqs.FailSends(SqsFault.InternalError);
        await AssertRetryLaterAsync(tenant, evt);
        _sqs.FailSends(null);
        var marker = (await MarkerAsync(tenant, evt))!;
        var later = JsonNode.Parse(marker.Data)!.AsObject();
        later["sendAttempts"] = 1;
        await _api.Services.GetRequiredService<IStore>().PutAsync(marker with { Data = later.ToJsonString() }, default);

        await AssertRedeliveryQueuedOnceAsync(tenant, evt);
    }

    [Test]
    public async Task An_SQS_that_does_not_answer_hits_the_send_deadline_answers_503_and_marks_the_event_unsent()
    {
        // Its own app instance: only here is the deadline short (the sender must answer inside Forge's 5 s).
        var api = _api;
        await using var shortDeadline = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>(_settings) { ["Queue:SendTimeoutMilliseconds"] = "3000" });
        _api = shortDeadline;
        try
        {
            var tenant = await TenantWithRuleAsync();
            var evt = Samples.Event("OPS-11", "Checkout broken");
            _sqs.FailSends(SqsFault.NoAnswer);

            await AssertRetryLaterAsync(tenant, evt);

            _sqs.FailSends(null);
            await AssertRedeliveryQueuedOnceAsync(tenant, evt);
        }
        finally
        {
            _api = api;
        }
    }

    [Test]
    public async Task A_KMS_failure_while_encrypting_the_message_answers_503_and_marks_the_event_unsent()
    {
        var tenant = await TenantWithRuleAsync();
        var evt = Samples.Event("OPS-8", "Checkout broken");
        // The tenant's data key is wrapped by the KMS key; with the key disabled and the cache cold, unwrapping it fails.
        _kms.DisableKey(_keyArn);
        _api.Services.GetRequiredService<TenantKeyService>().Evict(new TenantId(tenant));
        var operations = _kms.Operations.Count;

        await AssertRetryLaterAsync(tenant, evt);
        Assert.That(_kms.Operations.Skip(operations), Does.Contain("Decrypt"), "the failure came from KMS");

        _kms.EnableKey(_keyArn);
        await AssertRedeliveryQueuedOnceAsync(tenant, evt);
    }

    [Test]
    public async Task Every_send_carries_the_tenant_as_MessageGroupId_so_SQS_fair_queues_apply()
    {
        var tenantA = await TenantWithRuleAsync();
        var tenantB = await TenantWithRuleAsync();
        foreach (var (tenant, key) in new[] { (tenantA, "OPS-1"), (tenantB, "OPS-2"), (tenantA, "OPS-3") })
        {
            using var accepted = await PostEventAsync(tenant, Samples.Event(key, "x"));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var sends = _sqs.SendRequests.Where(r => TenantOf(r) is { } t && (t == tenantA || t == tenantB)).ToList();
        Assert.That(sends, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            foreach (var send in sends)
            {
                Assert.That((string?)send["MessageGroupId"], Is.EqualTo(TenantOf(send)), "the group is the message's own tenant");
                Assert.That(send.ContainsKey("MessageDeduplicationId"), Is.False, "a standard queue: no FIFO attributes");
            }
        });
    }

    [Test]
    public async Task An_event_too_large_to_queue_even_compressed_is_refused_with_413_and_leaves_no_marker()
    {
        var tenant = await TenantWithRuleAsync();
        // The ingress limit (256 KiB of event) now refuses any event that could outgrow the default 256 KiB message
        // before the queue sees it, so this backend (same table, keys and queue) gets a smaller message limit: the
        // event must pass ingress and be refused by the queue, after its dedupe marker was claimed.
        var settings = new Dictionary<string, string?>(_settings) { ["Queue:MaxMessageBytes"] = (64 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var small = await BackendHost.StartAsync(_issuer, settings);
        // Random text does not compress: ~130 KB of it cannot fit a 64 KiB message, yet is well within the event limit.
        var noise = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(96 * 1024));
        var evt = Samples.Event("OPS-9", "big");
        evt["issue"]!["fields"]!["description"] = noise;
        var sendsBefore = _sqs.SendRequests.Count;

        using var response = await PostEventAsync(tenant, evt, small);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(413));
            Assert.That(body, Does.Contain("body").And.Not.Contain(noise[..40]), "names the field, echoes nothing");
            Assert.That(_sqs.SendRequests, Has.Count.EqualTo(sendsBefore), "refused before sending");
        });
        Assert.That(await MarkerAsync(tenant, evt), Is.Null, "no marker: a later, smaller delivery of the same event is not a duplicate");
    }

    [Test]
    public async Task A_large_but_compressible_event_is_compressed_and_queued()
    {
        var tenant = await TenantWithRuleAsync();
        var evt = Samples.Event("OPS-10", "verbose");
        evt["issue"]!["fields"]!["description"] = string.Concat(Enumerable.Repeat("The checkout page fails with a timeout. ", 5_500)); // ~220 KB: within Forge's 200 kB-ish event limit, over SQS's 256 KiB once encrypted and base64-encoded uncompressed
        using var response = await PostEventAsync(tenant, evt);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var sent = _sqs.SendRequests.Last(r => TenantOf(r) == tenant);
        Assert.That(System.Text.Encoding.UTF8.GetByteCount((string)sent["MessageBody"]!), Is.LessThan(256 * 1024));
        var decoded = await _api.Services.GetRequiredService<BluBees.Aws.Sqs.RunMessageCodec>().DecodeAsync((string)sent["MessageBody"]!, default);
        Assert.That(JsonNode.Parse(decoded.Payload)!["issue"]!["fields"]!["description"]!.GetValue<string>(), Has.Length.EqualTo(220_000));
    }

    private async Task AssertRetryLaterAsync(string tenant, JsonObject evt)
    {
        var sendsBefore = QueuedFor(tenant);
        using var response = await PostEventAsync(tenant, evt);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(503));
            Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(30)), "503 with Retry-After: 30 (docs/operations.md)");
            Assert.That(QueuedFor(tenant), Is.EqualTo(sendsBefore), "nothing was queued");
        });
        // The queue may have kept a message whose send failed (a lost answer): the marker says "unsent", so that the
        // redelivery is not taken for a duplicate and sends again under the same identity.
        var marker = await MarkerAsync(tenant, evt);
        Assert.That(marker is null ? null : BluBees.Engine.Common.StoredJson.Read<DedupMarker>(marker.Data).State, Is.EqualTo(DedupMarker.Unsent));
    }

    private async Task AssertRedeliveryQueuedOnceAsync(string tenant, JsonObject evt)
    {
        // Forge's redelivery: the same event with retryContext added.
        var redelivery = evt.DeepClone().AsObject();
        redelivery["retryContext"] = new JsonObject { ["retryCount"] = 1, ["retryReason"] = "FUNCTION_ERROR" };
        using (var retried = await PostEventAsync(tenant, redelivery))
        {
            Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the redelivery is accepted, not taken for a duplicate");
        }

        Assert.That(QueuedFor(tenant), Is.EqualTo(1), "queued exactly once");
        using var again = await PostEventAsync(tenant, redelivery);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "once queued, a further delivery is a duplicate");
        Assert.That(QueuedFor(tenant), Is.EqualTo(1));
    }

    private async Task<string> TenantWithRuleAsync()
    {
        var tenant = Samples.NewTenant();
        var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        return tenant;
    }

    private async Task<HttpResponseMessage> PostEventAsync(string tenant, JsonObject evt, BackendHost? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
        return await (host ?? _api).Client.SendAsync(request);
    }

    private Task<StoreItem?> MarkerAsync(string tenant, JsonObject evt)
    {
        var parsed = JiraEvent.From(JsonNode.Parse(evt.ToJsonString()), out _)!;
        return _api.Services.GetRequiredService<IStore>().GetAsync(Keys.Tenant(tenant), Keys.Dedup(EventIngestor.DedupKey(parsed)), default);
    }

    private int QueuedFor(string tenant) => _sqs.Bodies(_queueUrl).Count(b => (string?)JsonNode.Parse(b)!["tenant"] == tenant);

    private static string? TenantOf(JsonObject send) => (string?)JsonNode.Parse((string)send["MessageBody"]!)!["tenant"];
}
