using BluBees.Engine.Execution;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Steps.Transfer;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// A 401 drops the OAuth access token the call sent (<c>OAuthTokenTests.A_401_from_the_api_drops_the_cached_token</c>),
/// but only when the 401 comes from the origin that got the token. A redirect to another origin carries no credential,
/// so that origin's 401 says nothing about the token: it dropped the token anyway, and every run the connection's host
/// sent there fetched a new one (a token request, and for a refresh-token grant a rotated refresh token stored, per run).
/// </summary>
public sealed class ForeignUnauthorizedTests
{
    private static readonly TenantId Tenant = new("tenant-foreign-401");

    [Test]
    public async Task A401FromTheOriginARedirectLeadsToKeepsTheAccessToken()
    {
        using var h = new PolicyHarness();
        await using var tokens = new TokenEndpoint();
        await using var elsewhere = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 401, "{}", ct));
        await using var api = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, elsewhere.Url("/landing").ToString(), ct));
        var connection = await h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var first = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var second = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(first.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(second.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(elsewhere.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new string?[] { null, null }));
        Assert.That(api.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new[] { "Bearer at-1", "Bearer at-1" }));
        Assert.That(tokens.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task A401FromTheOriginATransferSourceRedirectsToKeepsTheAccessToken()
    {
        using var kit = new TransferKit();
        await using var tokens = new TokenEndpoint();
        await using var elsewhere = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 401, "{}", ct));
        await using var source = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, elsewhere.Url("/landing").ToString(), ct));
        await using var destination = LoopbackServer.Ok("{}");
        var created = await kit.Connections.CreateAsync(TransferKit.Tenant, tokens.ClientCredentials(source, "cs-1"), CancellationToken.None);
        var from = created.Value!;
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "{{from.Id}}", "path": "/file" },
              "destination": { "url": "{{destination.Url("/upload")}}", "method": "PUT" } }
            """, StepKit.ConnectionMap(from));

        var first = await kit.RunAsync(step);
        var second = await kit.RunAsync(step);

        Assert.That(first.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(second.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(source.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new[] { "Bearer at-1", "Bearer at-1" }));
        Assert.That(tokens.Requests, Is.EqualTo(1));
        Assert.That(destination.Requests, Is.Empty);
    }
}
