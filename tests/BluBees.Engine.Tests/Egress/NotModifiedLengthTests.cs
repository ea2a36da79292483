using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Policies;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A 304 answering a conditional GET may carry the Content-Length of the representation it stands for (RFC 9110
/// §8.6), and never has a body (§6.4.1), nor has a 204. The guard's early size check read that length as the body's
/// and failed the call as too large, so a step polling a large resource with If-None-Match failed whenever nothing had
/// changed. The bytes actually read are still capped.
/// </summary>
public sealed class NotModifiedLengthTests
{
    private static LoopbackServer Server(int status) =>
        LoopbackServer.Start((_, s, ct) => LoopbackServer.WriteAsciiAsync(
            s, $"HTTP/1.1 {status} Status\r\nContent-Length: 5000000\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n", ct));

    [TestCase(304)]
    [TestCase(204)]
    public async Task A_bodyless_answer_announcing_a_large_representation_is_not_too_large(int status)
    {
        await using var server = Server(status);
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url(), new EgressHeader("If-None-Match", "\"v1\""));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(response.StatusCode, Is.EqualTo(status));
        Assert.That(response.Body.Length, Is.Zero);
        Assert.That(response.ContentLength, Is.Null, "no body follows: the length is the representation's, not this answer's");
    }

    [Test]
    public async Task An_http_step_whose_conditional_get_is_answered_304_succeeds()
    {
        await using var server = Server(304);
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-not-modified");
        var connection = await h.CreateAsync(tenant, server, new ConnectionResilience { MaxRetries = 0 });

        var outcome = await h.RunAsync(tenant.Value, PolicyHarness.Step(connection, headers: "{\"If-None-Match\": \"\\\"v1\\\"\"}"));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(304));
        Assert.That(server.Requests.Single().Header("If-None-Match"), Is.EqualTo("\"v1\""));
    }
}
