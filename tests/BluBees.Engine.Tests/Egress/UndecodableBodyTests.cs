using System.Text;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Policies;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A body whose Content-Encoding does not match its bytes is the server's protocol error: a failure value
/// (<c>connection_failed</c>), never an exception out of the guard (which a step recorded as <c>internal_error</c>).
/// </summary>
public sealed class UndecodableBodyTests
{
    private static readonly byte[] NotCompressed = Encoding.ASCII.GetBytes("this body is not compressed at all");

    private static LoopbackServer Server(string encoding) =>
        LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(
            s, 200, NotCompressed, ct, ("Content-Encoding", encoding), ("Content-Type", "application/json")));

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("br")]
    public async Task A_body_that_does_not_decode_is_a_connection_failure(string encoding)
    {
        await using var server = Server(encoding);
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.ConnectionFailed));
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Error, Is.EqualTo("The response body could not be decoded."));
        Assert.That(response.Body.Length, Is.Zero);
    }

    [TestCase("gzip")]
    [TestCase("br")]
    public async Task An_http_step_records_connection_failed_for_an_undecodable_body(string encoding)
    {
        await using var server = Server(encoding);
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-undecodable");
        var connection = await h.CreateAsync(tenant, server, new ConnectionResilience { MaxRetries = 0 });

        var outcome = await h.RunAsync(tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ConnectionFailed));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(200));
        Assert.That(outcome.Output?["ok"]?.GetValue<bool>(), Is.Not.True);
        Assert.That(outcome.Output?["body"], Is.Null, "nothing of the body reaches later steps");
        Assert.That(h.Evidence(outcome), Does.Not.Contain("not compressed"));
    }
}
