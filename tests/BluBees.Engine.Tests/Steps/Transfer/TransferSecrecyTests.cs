using System.Text;
using System.Text.Json;
using BluBees.Engine.Json;
using BluBees.Engine.Steps;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// A canary in the secrets, the headers, the URL and the body shows up in no log line and no run record; a dry
/// run shows the rendered request (the admin's own configuration) with every credential masked.
/// </summary>
public sealed class TransferSecrecyTests
{
    private const string Canary = "CANARY-tr4nsf3r";

    [Test]
    public async Task NoSecretHeaderUrlOrBodyReachesLogsOrRunRecords()
    {
        var payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Canary, 1000)));
        await using var source = new StreamingLoopback(async (_, _, stream, ct) =>
        {
            await StreamingLoopback.WriteHeadAsync(stream, 200, payload.Length, ct, ("Content-Type", "text/plain"), ("X-Secret", Canary));
            await stream.WriteAsync(payload, ct);
        });
        await using var sink = new HashingSink();
        await using var dying = new HashingSink(dieAfter: 100);
        using var kit = new TransferKit();
        var from = await kit.ConnectionAsync(source.Url("/"), "secret-" + Canary);
        var to = await kit.ConnectionAsync(sink.Url(), "token-" + Canary);
        var broken = await kit.ConnectionAsync(dying.Url(), "token-" + Canary);
        var connections = StepKit.ConnectionMap(from, to, broken);
        string Step(string destination) => $$"""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "{{from.Id}}", "path": "/files/{{Canary}}", "query": { "sig": "{{Canary}}" }, "headers": { "X-Trace": "{{Canary}}" } },
              "destination": { "connection": "{{destination}}", "path": "/upload/{{Canary}}", "headers": { "X-Meta": "{{Canary}}" } } }
            """;

        var ok = await kit.RunAsync(TransferKit.Compile(Step(to.Id), connections));
        var failed = await kit.RunAsync(TransferKit.Compile(Step(broken.Id), connections));
        var preview = await kit.Executor.PreviewAsync(TransferKit.Tenant, TransferKit.Compile(Step(to.Id), connections), StepKit.Scope(), "steps[0]", CancellationToken.None);

        Assert.That(ok.Succeeded, Is.True, ok.Record.ErrorCategory);
        Assert.That(failed.Succeeded, Is.False);
        Assert.That(sink.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer token-" + Canary), "the credential did reach its own host");
        var stored = JsonSerializer.Serialize(ok.Record, JsonDefaults.Options) + JsonSerializer.Serialize(failed.Record, JsonDefaults.Options);
        Assert.That(stored, Does.Not.Contain(Canary));
        Assert.That(kit.Logs.AllText, Does.Not.Contain(Canary));
        Assert.That(kit.Logs.AllText, Does.Contain("Transfer step copy"), "the transfer did log (metadata)");
        var shown = JsonSerializer.Serialize(preview.Request, JsonDefaults.Options);
        Assert.That(shown, Does.Not.Contain("secret-" + Canary).And.Not.Contain("token-" + Canary));
        Assert.That(preview.Request!.Headers["Authorization"], Is.EqualTo(RequestBuilder.Mask));
        Assert.That(shown, Does.Contain("streamedFrom"));
    }
}
