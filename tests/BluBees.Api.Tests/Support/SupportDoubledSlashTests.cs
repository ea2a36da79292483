using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// A support path sent with its leading slash doubled (<c>//support/tenants/{id}/runs</c>, as a base URL ending in '/'
/// joined with a path starting with one makes it) is answered as the other paths under <c>/support</c> that no route
/// has: a valid support token gets the support 404 naming the routes, reading nothing and writing no audit entry; no
/// token gets the support scheme's 401. Before, it fell to the Forge fallback policy, and a support engineer with a
/// valid token was told "The Forge Invocation Token is not valid." (401).
/// </summary>
public sealed class SupportDoubledSlashTests : SupportFixture
{
    [TestCase("//support/tenants/{0}/runs")]
    [TestCase("///support/tenants/{0}/runs/run_x")]
    public async Task A_valid_support_token_gets_the_support_404_and_nothing_is_read_or_audited(string template)
    {
        var tenant = Samples.NewTenant();
        await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        var before = (await AuditAsync(tenant)).Count;

        var answer = await GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Uri.EscapeDataString(tenant)), Idp.Mint());

        Assert.That(answer.Status, Is.EqualTo(404), answer.Body);
        var problem = JsonNode.Parse(answer.Body)!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(404), answer.Body);
        Assert.That(answer.Body, Does.Contain("No support route has this path").And.Not.Contain("Forge"));
        Assert.That(await AuditAsync(tenant), Has.Count.EqualTo(before), "nothing read, no audit entry");
    }

    [Test]
    public async Task Without_a_token_it_is_the_support_schemes_401()
    {
        var answer = await GetAsync("//support/tenants/" + Uri.EscapeDataString(Samples.NewTenant()) + "/runs", token: null);

        Assert.That(answer.Status, Is.EqualTo(401), answer.Body);
        Assert.That(JsonNode.Parse(answer.Body)!["detail"]!.GetValue<string>(), Does.Contain("support token").And.Not.Contain("Forge"));
    }

    /// <summary>Raw HTTP: HttpClient reads a relative "//support/…" as a host named "support".</summary>
    private async Task<RawAnswer> GetAsync(string target, string? token)
    {
        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync($"GET {target} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n" + (token is null ? "" : $"Authorization: Bearer {token}\r\n") + "\r\n");
        return await raw.ReadAsync() ?? throw new InvalidOperationException("no answer");
    }
}
