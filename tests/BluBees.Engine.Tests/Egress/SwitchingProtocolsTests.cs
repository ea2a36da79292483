using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Policies;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// The guard never asks for an upgrade (callers may not set Upgrade or Connection), so a 101 is a protocol error:
/// the connection is no longer HTTP, and what follows is raw bytes. It was a success (status 101, raw bytes as body).
/// </summary>
public sealed class SwitchingProtocolsTests
{
    private static LoopbackServer Server() =>
        LoopbackServer.Start((_, s, ct) => LoopbackServer.WriteAsciiAsync(
            s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n{\"raw\":\"after-the-switch\"}", ct));

    [Test]
    public async Task A_101_nobody_asked_for_is_a_connection_failure()
    {
        await using var server = Server();
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.ConnectionFailed));
        Assert.That(response.StatusCode, Is.EqualTo(101));
        Assert.That(response.Body.Length, Is.Zero);
        Assert.That(response.Error, Does.Not.Contain("after-the-switch"));
    }

    [Test]
    public async Task An_http_step_answered_with_101_fails_as_connection_failed()
    {
        await using var server = Server();
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-switch");
        var connection = await h.CreateAsync(tenant, server, new ConnectionResilience { MaxRetries = 0 });

        var outcome = await h.RunAsync(tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ConnectionFailed));
        Assert.That(h.Evidence(outcome), Does.Not.Contain("after-the-switch"));
    }
}
