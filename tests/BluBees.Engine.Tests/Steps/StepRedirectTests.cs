using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>Redirects and framing as an http step meets them (its request as the step executor builds it, not a hand-made one).</summary>
public sealed class StepRedirectTests
{
    private static readonly TenantId Tenant = new("tenant-step-redirect");

    /// <summary>
    /// A step without a body sends none: no <c>Content-Length: 0</c> on a GET or DELETE (some servers and CDNs refuse a
    /// GET that announces a body). The step's null body used to become an empty one on its way into the egress request.
    /// </summary>
    [TestCase("GET")]
    [TestCase("DELETE")]
    public async Task A_step_without_a_body_sends_no_content_headers(string method)
    {
        using var h = new PolicyHarness();
        await using var server = LoopbackServer.Ok("{}");
        var connection = await h.CreateAsync(Tenant, server, new ConnectionResilience { MaxRetries = 0 });

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, method));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        var received = server.Requests.Single();
        Assert.That(received.Method, Is.EqualTo(method));
        Assert.That(received.Header("Content-Length"), Is.Null);
        Assert.That(received.Header("Content-Type"), Is.Null);
    }

    /// <summary>
    /// A GET has no body to carry, so a 307 to another origin is followed (without the credential). It was refused as
    /// carrying a body: the step's null body became an empty, non-null one on its way into the egress request.
    /// </summary>
    [TestCase(307)]
    [TestCase(308)]
    public async Task A_get_step_follows_a_307_or_308_to_another_origin_without_its_credential(int status)
    {
        using var h = new PolicyHarness();
        await using var target = LoopbackServer.Ok("{}");
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, status, target.Url("/moved").ToString(), ct));
        var connection = await h.CreateAsync(Tenant, server, new ConnectionResilience { MaxRetries = 0 });

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        var moved = target.Requests.Single();
        Assert.That(moved.Method, Is.EqualTo("GET"));
        Assert.That(moved.Header("Authorization"), Is.Null);
    }
}
