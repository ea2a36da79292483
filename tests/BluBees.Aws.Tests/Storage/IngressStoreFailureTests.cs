using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// DynamoDB refusing the ingress's writes (throttling, 5xx) after the SDK's own bounded retries, through the real
/// app, the real SDK client and a fault proxy in front of dynalite. Before the send nothing is kept and the answer
/// is a 503 ProblemDetails with Retry-After (Forge redelivers); once the message is queued, the event is accepted.
/// </summary>
[TestFixture]
public sealed class IngressStoreFailureTests
{
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private SqsFake _sqs = null!;
    private DynamoDbTable _table = null!;
    private DynamoDbFaultProxy _proxy = null!;
    private BackendHost _api = null!;
    private string _queueUrl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
        _table = await DynamoDbTable.CreateAsync();
        _proxy = await DynamoDbFaultProxy.StartAsync(_table.Url);
        _queueUrl = _sqs.CreateQueue("blubees-test-runs", TimeSpan.FromSeconds(900));
        var settings = _table.Settings();
        settings["Storage:DynamoDbServiceUrl"] = _proxy.Address.ToString();
        settings["Storage:DynamoDbTimeoutMilliseconds"] = "2000"; // the production default, which the unanswered claim test relies on
        settings.WithKmsAndSqs(_kms, _kms.CreateKey(), _sqs, _queueUrl);
        settings["Worker:Enabled"] = "false";
        _api = await BackendHost.StartAsync(_issuer, settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _proxy.DisposeAsync();
        _table.Dispose();
        await _sqs.DisposeAsync();
        await _kms.DisposeAsync();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TearDown]
    public void Heal() => _proxy.Fail(null);

    [Test]
    public Task A_throttled_or_failing_marker_claim_answers_503_with_Retry_After_and_keeps_nothing(
        [Values(DynamoDbFault.ProvisionedThroughputExceeded, DynamoDbFault.Throttling, DynamoDbFault.InternalServerError)] DynamoDbFault fault)
        => RefusedClaimAsync(fault);

    /// <summary>
    /// DynamoDB that stops answering (a dropped network path): the SDK's default would wait 100 s per attempt, past
    /// Forge's delivery budget and the API function's 29 s timeout, and then answer 500. Each attempt is cut off after
    /// <c>Storage:DynamoDbTimeoutMilliseconds</c>, and the timeout is a transient failure: 503 with Retry-After.
    /// </summary>
    [Test]
    public Task A_marker_claim_that_gets_no_answer_answers_503_with_Retry_After_and_keeps_nothing()
        => RefusedClaimAsync(DynamoDbFault.NoAnswer);

    private async Task RefusedClaimAsync(DynamoDbFault fault)
    {
        var tenant = await TenantWithRuleAsync();
        var evt = Samples.Event("OPS-21", "Checkout broken");
        _proxy.Fail((operation, request) => operation == "PutItem" && IsMarker(request) && IsClaim(request) ? fault : null);
        var refused = _proxy.Refused;

        using var response = await PostEventAsync(tenant, evt);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(_proxy.Refused, Is.GreaterThan(refused), "the store refused the claim");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(503));
            Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
            Assert.That(body, Does.Not.Contain("Refused by the test"), "the store's message is not echoed");
            Assert.That(QueuedFor(tenant), Is.Zero, "nothing was queued");
        });

        _proxy.Fail(null);
        Assert.That(await MarkerAsync(tenant, evt), Is.Null, "nothing was kept");
        using var redelivered = await PostEventAsync(tenant, evt);
        Assert.That(redelivered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "Forge's redelivery is queued");
        Assert.That(QueuedFor(tenant), Is.EqualTo(1));
    }

    [Test]
    public async Task A_throttled_marker_update_after_the_send_still_accepts_the_queued_event(
        [Values(DynamoDbFault.ProvisionedThroughputExceeded, DynamoDbFault.InternalServerError)] DynamoDbFault fault)
    {
        var tenant = await TenantWithRuleAsync();
        var evt = Samples.Event("OPS-22", "Checkout broken");
        // Only the write that turns the marker from "sending" into "queued" (conditional on its revision) fails.
        _proxy.Fail((operation, request) => operation == "PutItem" && IsMarker(request) && !IsClaim(request) ? fault : null);
        var refused = _proxy.Refused;

        using var response = await PostEventAsync(tenant, evt);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(_proxy.Refused, Is.GreaterThan(refused), "the store refused the marker's update");
            Assert.That(QueuedFor(tenant), Is.EqualTo(1), "the message was queued");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "a queued event is accepted, not reported as failed: " + body);
        });
    }

    private static bool IsMarker(JsonObject request)
        => ((string?)request["Item"]?["sk"]?["S"])?.StartsWith(Keys.Dedup(string.Empty), StringComparison.Ordinal) == true;

    private static bool IsClaim(JsonObject request)
        => ((string?)request["ConditionExpression"])?.Contains("attribute_not_exists(#pk)", StringComparison.Ordinal) == true;

    private async Task<string> TenantWithRuleAsync()
    {
        var tenant = Samples.NewTenant();
        var connection = await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        return tenant;
    }

    private async Task<HttpResponseMessage> PostEventAsync(string tenant, JsonObject evt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", _issuer.MintFor("/forge/events", tenant));
        return await _api.Client.SendAsync(request);
    }

    private Task<StoreItem?> MarkerAsync(string tenant, JsonObject evt)
    {
        var parsed = JiraEvent.From(JsonNode.Parse(evt.ToJsonString()), out _)!;
        return _api.Services.GetRequiredService<IStore>().GetAsync(Keys.Tenant(tenant), Keys.Dedup(EventIngestor.DedupKey(parsed)), default);
    }

    private int QueuedFor(string tenant) => _sqs.Bodies(_queueUrl).Count(b => (string?)JsonNode.Parse(b)!["tenant"] == tenant);
}
