using System.Text.Json;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Connections;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Ai;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Steps.Transfer;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// A host rendered from issue data never reaches metadata: the step record names the configured host (connection base
/// URL, literal URL) or <c>(templated)</c>; logs and egress errors use the same label, also for redirect hops.
/// </summary>
public sealed class TemplatedHostTests
{
    private static readonly TenantId Tenant = new("tenant-host");
    private const string Canary = "canary-host-7e1d";

    private static string Url(LoopbackServer server, string path = "/x") => $"http://{{{{ issue.fields.summary }}}}.test:{server.Port}{path}";

    [Test]
    public async Task AnHttpStepRecordsTheMarkerWhetherTheCallSucceedsOrFails([Values] bool resolves)
    {
        using var h = new PolicyHarness();
        if (resolves)
        {
            h.Resolver.Map(Canary + ".test", "127.0.0.1");
        }

        await using var server = LoopbackServer.Ok("{}");
        var step = StepKit.ValidAtRunTime($$$"""{ "id": "hook", "type": "http", "method": "POST", "url": "{{{Url(server)}}}", "body": { "k": "{{ issue.key }}" } }""", EgressTestKit.LoopbackOptions());

        var outcome = await h.RunAsync(PolicyHarness.Run(Tenant.Value, CanaryScope()), step);

        Assert.That(server.Requests, Has.Count.EqualTo(resolves ? 1 : 0));
        Assert.That(outcome.Record.Host, Is.EqualTo(StepHosts.Templated));
        Assert.That(h.Evidence(outcome) + await h.StoredAsync(Tenant.Value), Does.Not.Contain(Canary).IgnoreCase);
    }

    [Test]
    public async Task ARedirectLocationHostIsNotLoggedEither()
    {
        using var h = new PolicyHarness();
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, $"http://{Canary}-location.test/x", ct));
        var connection = await h.CreateAsync(Tenant, server, new ConnectionResilience { MaxRetries = 0 });

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(Engine.Execution.ErrorCategories.ConnectionFailed), "the location does not resolve");
        Assert.That(outcome.Record.Host, Is.EqualTo("127.0.0.1"), "the connection's configured host");
        Assert.That(h.Logs, Is.Not.Empty, "the failure was logged");
        Assert.That(h.Evidence(outcome), Does.Not.Contain(Canary).IgnoreCase);
    }

    [Test]
    public async Task ALiteralUrlRecordsItsOwnHost()
    {
        using var h = new PolicyHarness();
        await using var server = LoopbackServer.Ok("{}");
        var step = StepKit.ValidAtRunTime($$"""{ "id": "hook", "type": "http", "method": "GET", "url": "{{server.Url("/x")}}" }""", EgressTestKit.LoopbackOptions());

        var outcome = await h.RunAsync(Tenant.Value, step);

        Assert.That(outcome.Record.Host, Is.EqualTo("127.0.0.1"));
    }

    [Test]
    public async Task ATransferRecordsTheMarkerForATemplatedSideAndLogsNoHost()
    {
        using var kit = new TransferKit();
        await using var source = LoopbackServer.Ok("file");
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "url": "{{source.Url("/f")}}" },
              "destination": { "url": "{{Url(source, "/upload")}}", "method": "PUT" } }
            """);

        var outcome = await kit.RunAsync(step, new StepRun(new Tenancy.TenantContext(TransferKit.Tenant.Value, null, null), null, CanaryScope()));

        Assert.That(outcome.Record.Host, Is.EqualTo(StepHosts.Templated));
        Assert.That(JsonSerializer.Serialize(outcome.Record) + kit.Logs.AllText, Does.Not.Contain(Canary).IgnoreCase);
        Assert.That(kit.Logs.AllText, Does.Contain("copy"), "the log capture sees the transfer's lines");
    }

    [Test]
    public async Task AnAiStepRecordsTheConnectionsHost()
    {
        using var kit = new AiKit();
        await using var provider = ProviderServers.OpenAi("answer");
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, provider.Url("/v1"), "key");

        var outcome = await kit.RunAsync($$$"""{ "id": "ask", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m-1", "prompt": "{{ issue.fields.summary }}" }""", CanaryScope());

        Assert.That(outcome.Record.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(JsonSerializer.Serialize(outcome.Record), Does.Not.Contain(Canary).IgnoreCase);
    }

    private static System.Text.Json.Nodes.JsonObject CanaryScope() => SampleEvents.Scope(SampleEvents.With("summary", Canary));
}
