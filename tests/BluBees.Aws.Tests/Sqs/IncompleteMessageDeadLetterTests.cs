using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Sqs;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Crypto;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// A message that opens but lacks its payload (a version-1 message, sealed as JSON, whose <c>payload</c> is absent or
/// null) fails every receive and is dead-lettered; its last receive must leave the one <c>delivery_exhausted</c>
/// record, as for a message that does not open. Before, the message opened with a null payload, reading its event threw
/// an ArgumentNullException on every receive and again while its exhausted record was made, so the event vanished from
/// the tenant's run log.
/// </summary>
[TestFixture]
public sealed class IncompleteMessageDeadLetterTests
{
    private const int MaxReceiveCount = 2;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(900);

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_message_without_its_payload_is_dead_lettered_and_leaves_one_delivery_exhausted_record(bool asNull)
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

        // A version-1 message of this installed tenant: the run message as JSON under SecretCipher, without its payload.
        var message = new JsonObject
        {
            ["tenant"] = new JsonObject { ["tenantId"] = tenant },
            ["source"] = "event",
            ["receivedAt"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        if (asNull)
        {
            message["payload"] = null;
        }

        var ct = await backend.Services.GetRequiredService<SecretCipher>().EncryptAsync(new TenantId(tenant), RunMessageCodec.RecordId, message.ToJsonString(), default);
        var body = new JsonObject { ["v"] = 1, ["tenant"] = tenant, ["ct"] = ct }.ToJsonString();
        await sqsClient.SendMessageAsync(queue, body);
        var poller = new LambdaSqsPoller(sqsClient, queue, backend.Client);

        for (var receive = 1; receive <= MaxReceiveCount; receive++)
        {
            var delivery = await poller.DeliverOnceAsync();
            Assert.That(delivery.Failures, Has.Count.EqualTo(1), $"receive {receive}: a batch item failure");
            queueClock.Advance(Visibility);
        }

        Assert.That((await poller.DeliverOnceAsync()).Messages, Is.Empty);
        Assert.That(sqs.Bodies(dlq), Is.EqualTo(new[] { body }), "dead-lettered");
        var runs = (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
        Assert.That(runs.Select(r => (r!["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())),
            Is.EqualTo(new[] { ("failed", (string?)ErrorCategories.DeliveryExhausted) }), "exactly one record, not none");
        Assert.That(thirdParty.Received, Is.Empty, "nothing was sent");
    }
}
