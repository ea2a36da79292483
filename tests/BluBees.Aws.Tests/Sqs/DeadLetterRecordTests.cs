using System.Net;
using System.Text.Json.Nodes;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Sqs;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// Every accepted event leaves one run record, on SQS too: a message that fails on every receive goes to the
/// dead-letter queue (and the alarm), and on its last receive it leaves one failed run record
/// (<c>delivery_exhausted</c>), as the embedded queue does, instead of vanishing from the tenant's run log. Earlier
/// receives leave nothing; the record is written once; the message still reaches the DLQ for a redrive.
/// </summary>
[TestFixture]
public sealed class DeadLetterRecordTests
{
    private const int MaxReceiveCount = 3;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [Test]
    public async Task A_message_that_fails_every_receive_is_dead_lettered_and_leaves_one_delivery_exhausted_record()
    {
        var queueClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var issuer = await TestIssuer.StartAsync();
        await using var thirdParty = await ThirdPartyApi.StartAsync();
        await using var sqs = await SqsFake.StartAsync(queueClock);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dlq = sqs.CreateQueue("blubees-test-dl-" + suffix, Visibility);
        var queue = sqs.CreateQueue("blubees-test-runs-" + suffix, Visibility, dlq, MaxReceiveCount);
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:MaxReceiveCount"] = MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty.Address, "s"), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);

        // A message of this (installed) tenant that never opens: its ciphertext was damaged on the way.
        var sealedBody = await backend.Services.GetRequiredService<RunMessageCodec>().EncodeAsync(
            new RunMessage(new(tenant, null, null), RunSource.Event, Samples.Event("OPS-77", "poison").ToJsonString(), DateTimeOffset.UtcNow), default);
        var poison = JsonNode.Parse(sealedBody)!;
        var ct = Convert.FromBase64String(poison["ct"]!.GetValue<string>());
        ct[ct.Length / 2] ^= 0x01;
        poison["ct"] = Convert.ToBase64String(ct);
        await sqsClient.SendMessageAsync(queue, poison.ToJsonString());
        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);

        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var delivery = await poller.DeliverOnceAsync();
            Assert.That(delivery.Failures, Has.Count.EqualTo(1), $"receive {receive}: a batch item failure");
            Assert.That(await RunsAsync(backend, tenant), receive < MaxReceiveCount ? Is.Empty : Has.Count.EqualTo(1),
                $"receive {receive}: only the last receive before the DLQ records the run");
            queueClock.Advance(Visibility);
        }

        Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty);
        Assert.That(sqs.Bodies(dlq), Is.EqualTo(new[] { poison.ToJsonString() }), "still dead-lettered: the alarm fires and a redrive stays possible");
        var runs = await RunsAsync(backend, tenant);
        Assert.That(runs.Select(r => (r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())),
            Is.EqualTo(new[] { ("failed", (string?)ErrorCategories.DeliveryExhausted) }), "exactly one record, honest about the outcome");
    }

    [Test]
    public async Task A_message_whose_data_key_no_longer_unwraps_is_dead_lettered_and_leaves_one_delivery_exhausted_record()
    {
        var queueClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var issuer = await TestIssuer.StartAsync();
        await using var thirdParty = await ThirdPartyApi.StartAsync();
        await using var sqs = await SqsFake.StartAsync(queueClock);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dlq = sqs.CreateQueue("blubees-test-dl-" + suffix, Visibility);
        var queue = sqs.CreateQueue("blubees-test-runs-" + suffix, Visibility, dlq, MaxReceiveCount);
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:MaxReceiveCount"] = MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty.Address, "s"), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        var sealedBody = await backend.Services.GetRequiredService<RunMessageCodec>().EncodeAsync(
            new RunMessage(new(tenant, null, null), RunSource.Event, Samples.Event("OPS-78", "key lost").ToJsonString(), DateTimeOffset.UtcNow), default);
        await sqsClient.SendMessageAsync(queue, sealedBody);

        // The tenant's data key now names a key-encryption key the provider does not hold (disabled, or lost from the ring).
        var partition = backend.Services.GetRequiredService<BluBees.Engine.Storage.IStore>().ForTenant(new BluBees.Engine.Storage.TenantId(tenant));
        var key = JsonNode.Parse((await partition.GetAsync(BluBees.Engine.Storage.Keys.DataKey, default))!.Data)!;
        key["keyId"] = "key-lost";
        await partition.PutAsync(BluBees.Engine.Storage.Keys.DataKey, key.ToJsonString(), default);
        backend.Services.GetRequiredService<BluBees.Engine.Crypto.TenantKeyService>().Evict(new BluBees.Engine.Storage.TenantId(tenant));
        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);

        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var delivery = await poller.DeliverOnceAsync();
            Assert.That(delivery.Failures, Has.Count.EqualTo(1), $"receive {receive}: a batch item failure");
            queueClock.Advance(Visibility);
        }

        Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty);
        Assert.That(sqs.Bodies(dlq), Is.EqualTo(new[] { sealedBody }), "dead-lettered: a redrive stays possible once the key is back");
        var runs = await RunsAsync(backend, tenant);
        Assert.That(runs.Select(r => (r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())),
            Is.EqualTo(new[] { ("failed", (string?)ErrorCategories.DeliveryExhausted) }), "exactly one record, not none");
        Assert.That(thirdParty.Received, Is.Empty, "nothing was sent");
    }

    /// <summary>
    /// The same on the production key provider: the tenant's KMS key is disabled (an operator's mistake, or a key
    /// scheduled for deletion), so KMS answers Decrypt with DisabledException. The tenant is installed: the message
    /// fails every receive and, on its last, leaves its delivery_exhausted record before the dead-letter queue.
    /// </summary>
    [Test]
    public async Task A_message_whose_KMS_key_is_disabled_is_dead_lettered_and_leaves_one_delivery_exhausted_record()
    {
        var queueClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var issuer = await TestIssuer.StartAsync();
        await using var thirdParty = await ThirdPartyApi.StartAsync();
        await using var kms = await KmsFake.StartAsync();
        await using var sqs = await SqsFake.StartAsync(queueClock);
        using var keyTable = await Dynalite.DynamoDbTable.CreateAsync(); // the KMS provider's key shares
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dlq = sqs.CreateQueue("blubees-test-dl-" + suffix, Visibility);
        var queue = sqs.CreateQueue("blubees-test-runs-" + suffix, Visibility, dlq, MaxReceiveCount);
        var keyArn = kms.CreateKey();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Storage:DynamoDbServiceUrl"] = keyTable.Url.ToString(),
            ["Keys:KeyTableName"] = keyTable.KeyTableName,
            ["Keys:Provider"] = "Kms",
            ["Keys:KmsKeyId"] = keyArn,
            ["Keys:KmsServiceUrl"] = kms.Address.ToString(),
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = sqs.Address.ToString(),
            ["Queue:SendTimeoutMilliseconds"] = "60000",
            ["Worker:Enabled"] = "true",
            ["Worker:MaxReceiveCount"] = MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var sqsClient = BluBees.Aws.AwsClientFactory.Sqs(sqs.Address.ToString());
        var tenant = Samples.NewTenant();
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(thirdParty.Address, "s"), 201);
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-79", "key disabled"), withUserToken: false))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        kms.DisableKey(keyArn);
        backend.Services.GetRequiredService<BluBees.Engine.Crypto.TenantKeyService>().Evict(new TenantId(tenant));
        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);
        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var delivery = await poller.DeliverOnceAsync();
            Assert.That(delivery.Failures, Has.Count.EqualTo(1), $"receive {receive}: a batch item failure");
            queueClock.Advance(Visibility);
        }

        Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty);
        Assert.That(sqs.Bodies(dlq), Has.Count.EqualTo(1), "dead-lettered: a redrive stays possible once the key is enabled");
        var runs = await RunsAsync(backend, tenant);
        Assert.That(runs.Select(r => (r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())),
            Is.EqualTo(new[] { ("failed", (string?)ErrorCategories.DeliveryExhausted) }), "exactly one record, not none");
        Assert.That(thirdParty.Received, Is.Empty, "nothing was sent");
    }

    private static async Task<IReadOnlyList<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!)];
}
