using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Aws.Sqs;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Time.Testing;
using BluBees.Engine.Execution;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>The SQS queue through the real SDK client against the SQS stand-in: what goes into a message.</summary>
[TestFixture]
public sealed class SqsRunQueueTests
{
    private SqsFake _sqs = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));

    [OneTimeTearDown]
    public async Task StopAsync() => await _sqs.DisposeAsync();

    private LocalEngine Engine(string queueUrl, int maxBytes = 256 * 1024) => LocalEngine.Create(new Dictionary<string, string?>
    {
        ["Queue:Provider"] = "Sqs",
        ["Queue:QueueUrl"] = queueUrl,
        ["Queue:SqsServiceUrl"] = _sqs.Address.ToString(),
        ["Queue:MaxMessageBytes"] = maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Queue:SendTimeoutMilliseconds"] = "60000", // a loaded test machine is not an SQS outage
    });

    private static RunMessage Message(string tenant, string payloadCanary, string tokenCanary) => new(
        new TenantContext(tenant, "cloud-1", "https://api.atlassian.com/ex/jira/cloud-1") { PrincipalAccountId = "557058:admin" },
        RunSource.Event,
        """{"eventType":"avi:jira:updated:issue","issue":{"key":"OPS-1","fields":{"summary":""" + "\"" + payloadCanary + "\"}}}",
        new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero),
        tokenCanary,
        "rule_1");

    [Test]
    public async Task The_message_is_encrypted_whole_and_names_only_the_tenant()
    {
        var queueUrl = _sqs.CreateQueue("runs-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(30));
        await using var engine = Engine(queueUrl);
        var message = Message("tenant-a", "CANARY-payload-" + Guid.NewGuid(), "CANARY-token-" + Guid.NewGuid());

        Assert.That(engine.Get<IRunQueue>(), Is.InstanceOf<SqsRunQueue>());
        await engine.Get<IRunQueue>().EnqueueAsync(message, default);

        var body = _sqs.Bodies(queueUrl).Single();
        var envelope = JsonNode.Parse(body)!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(envelope.Select(p => p.Key), Is.EquivalentTo(new[] { "v", "tenant", "ct" }));
            Assert.That((int)envelope["v"]!, Is.EqualTo(2));
            Assert.That((string?)envelope["tenant"], Is.EqualTo("tenant-a"));
            Assert.That(body, Does.Not.Contain("CANARY"), "neither the payload nor the Forge system token is readable in the queue");
            Assert.That(body, Does.Not.Contain("OPS-1").And.Not.Contain("rule_1").And.Not.Contain("cloud-1"));
        });

        Assert.That(await engine.Get<RunMessageCodec>().DecodeAsync(body, default), Is.EqualTo(message));
    }

    [Test]
    public async Task A_message_relabelled_for_another_tenant_does_not_decrypt()
    {
        var queueUrl = _sqs.CreateQueue("runs-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(30));
        await using var engine = Engine(queueUrl);
        var codec = engine.Get<RunMessageCodec>();
        await codec.EncodeAsync(Message("tenant-b", "x", "y"), default); // tenant-b has a data key too
        var body = JsonNode.Parse(await codec.EncodeAsync(Message("tenant-a", "x", "y"), default))!;
        body["tenant"] = "tenant-b";

        Assert.That(async () => await codec.DecodeAsync(body.ToJsonString(), default), Throws.InstanceOf<CryptographicException>());
        Assert.That(async () => await codec.DecodeAsync("{\"not\":\"an envelope\"}", default), Throws.InstanceOf<FormatException>());
    }

    [Test]
    public async Task The_message_length_does_not_reveal_whether_issue_fields_repeat_the_system_token()
    {
        // Compression is applied to the payload only: otherwise a payload that repeats (part of) the token would
        // compress better, and message sizes would become an oracle on the token (CRIME-style).
        var queueUrl = _sqs.CreateQueue("runs-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(30));
        await using var engine = Engine(queueUrl);
        var codec = engine.Get<RunMessageCodec>();
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(64));
        var other = Convert.ToHexString(RandomNumberGenerator.GetBytes(64));

        // The same issue fields, once with the token they repeat and once with another token of the same length.
        var guessRight = await codec.EncodeAsync(Message("tenant-a", token, token), default);
        var guessWrong = await codec.EncodeAsync(Message("tenant-a", token, other), default);

        Assert.That(guessRight.Length, Is.EqualTo(guessWrong.Length));
        Assert.That((await codec.DecodeAsync(guessRight, default)).SystemToken, Is.EqualTo(token));
    }

    [Test]
    public async Task A_version_1_message_queued_before_compression_still_decodes()
    {
        var queueUrl = _sqs.CreateQueue("runs-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(30));
        await using var engine = Engine(queueUrl);
        var message = Message("tenant-a", "payload", "token");
        var plaintext = System.Text.Json.JsonSerializer.Serialize(message, BluBees.Engine.Json.JsonDefaults.Options);
        var v1 = new JsonObject
        {
            ["v"] = 1,
            ["tenant"] = "tenant-a",
            ["ct"] = await engine.Get<BluBees.Engine.Crypto.SecretCipher>().EncryptAsync(new TenantId("tenant-a"), RunMessageCodec.RecordId, plaintext, default),
        };

        Assert.That(await engine.Get<RunMessageCodec>().DecodeAsync(v1.ToJsonString(), default), Is.EqualTo(message));
    }

    [Test]
    public async Task A_message_above_the_queue_limit_is_refused_before_sending()
    {
        var queueUrl = _sqs.CreateQueue("runs-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(30));
        await using var engine = Engine(queueUrl, maxBytes: 4096);
        // Random text: it does not compress below the limit.
        var large = Message("tenant-a", Convert.ToHexString(RandomNumberGenerator.GetBytes(4000)), "token");

        Assert.That(async () => await engine.Get<IRunQueue>().EnqueueAsync(large, default),
            Throws.InstanceOf<RunMessageTooLargeException>().With.Message.Not.Contains(large.Payload[60..80]));
        Assert.That(_sqs.Bodies(queueUrl), Is.Empty);
    }
}
