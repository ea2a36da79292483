using BluBees.Aws.Sqs;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using BluBees.Engine.Execution;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>Partial batch responses: only the records that failed go back to the queue.</summary>
[TestFixture]
public sealed class SqsBatchProcessorTests
{
    private sealed class RecordingProcessor : IRunProcessor
    {
        public List<string> Processed { get; } = [];

        public Task ProcessAsync(RunMessage message, CancellationToken ct)
        {
            if (message.Payload.Contains("explode", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("store unavailable");
            }

            lock (Processed)
            {
                Processed.Add(message.Payload);
            }

            return Task.CompletedTask;
        }
    }

    private static RunMessage Message(string tenant, string payload) => new(new TenantContext(tenant, null, null), RunSource.Event, payload, DateTimeOffset.UnixEpoch);

    private static SqsRecord Record(string id, string? body, int receiveCount = 1)
        => new(id, "rh-" + id, body, new Dictionary<string, string> { ["ApproximateReceiveCount"] = receiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Test]
    public async Task Only_the_records_that_throw_are_reported_as_failures()
    {
        var recorder = new RecordingProcessor();
        await using var engine = LocalEngine.Create(services: s => s.AddSingleton<IRunProcessor>(recorder));
        var codec = engine.Get<RunMessageCodec>();
        var good1 = await codec.EncodeAsync(Message("tenant-a", "{\"n\":1}"), default);
        var failing = await codec.EncodeAsync(Message("tenant-a", "{\"explode\":true}"), default);
        var good2 = await codec.EncodeAsync(Message("tenant-b", "{\"n\":2}"), default);
        var tampered = Tamper(good1);

        var response = await engine.Get<SqsBatchProcessor>().ProcessAsync(new SqsEvent(
        [
            Record("m1", good1),
            Record("m2", failing, receiveCount: 3),
            Record("m3", good2),
            Record("m4", tampered),
            Record("m5", "not json"),
            Record("m6", null),
        ]), default);

        Assert.That(response.BatchItemFailures.Select(f => f.ItemIdentifier), Is.EqualTo(new[] { "m2", "m4", "m5", "m6" }));
        Assert.That(recorder.Processed, Is.EquivalentTo(new[] { "{\"n\":1}", "{\"n\":2}" }));
    }

    /// <summary>Flips one bit of the ciphertext.</summary>
    private static string Tamper(string body)
    {
        var envelope = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        var ct = Convert.FromBase64String((string)envelope["ct"]!);
        ct[ct.Length / 2] ^= 0x01;
        envelope["ct"] = Convert.ToBase64String(ct);
        return envelope.ToJsonString();
    }

    [Test]
    public async Task A_message_of_an_uninstalled_tenant_is_acknowledged_and_dropped()
    {
        var recorder = new RecordingProcessor();
        await using var engine = LocalEngine.Create(services: s => s.AddSingleton<IRunProcessor>(recorder));
        var body = await engine.Get<RunMessageCodec>().EncodeAsync(Message("tenant-gone", "{\"n\":1}"), default);
        await engine.Get<TenantService>().UninstallAsync(new TenantId("tenant-gone"), default);

        var response = await engine.Get<SqsBatchProcessor>().ProcessAsync(new SqsEvent([Record("m1", body)]), default);

        Assert.That(response.BatchItemFailures, Is.Empty, "its data key is shredded: retrying can never succeed");
        Assert.That(recorder.Processed, Is.Empty);
    }

    [Test]
    public async Task A_message_sealed_for_an_earlier_installation_is_acknowledged_and_never_runs_in_the_new_one()
    {
        var recorder = new RecordingProcessor();
        await using var engine = LocalEngine.Create(services: s => s.AddSingleton<IRunProcessor>(recorder));
        var tenant = new TenantContext("tenant-again", null, null);
        var body = await engine.Get<RunMessageCodec>().EncodeAsync(Message("tenant-again", "{\"n\":1}"), default);
        await engine.Get<TenantService>().UninstallAsync(tenant.Id, default);
        await engine.Get<TenantService>().InstallAsync(tenant, default); // a new data key: the old message cannot open

        // SQS received it ten minutes before this installation's key was made.
        var sentBefore = Sent(Record("m1", body), DateTimeOffset.UtcNow.AddMinutes(-10));
        // Control: a message SQS received within the installation skew of the key is not taken for an earlier
        // installation's; it does not open either, so it returns to the queue (tampering, a key provider failing).
        var sentNow = Sent(Record("m2", body), DateTimeOffset.UtcNow);

        var response = await engine.Get<SqsBatchProcessor>().ProcessAsync(new SqsEvent([sentBefore, sentNow]), default);

        Assert.That(response.BatchItemFailures.Select(f => f.ItemIdentifier), Is.EqualTo(new[] { "m2" }), "the earlier installation's message is dropped, not retried into the DLQ");
        Assert.That(recorder.Processed, Is.Empty);
    }

    private static SqsRecord Sent(SqsRecord record, DateTimeOffset at)
        => record with { Attributes = new Dictionary<string, string>(record.Attributes!) { ["SentTimestamp"] = at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } };
}
