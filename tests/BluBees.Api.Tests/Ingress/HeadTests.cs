using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// HEAD is answered wherever GET is, with GET's status and headers and no body (RFC 9110 §9.3.2); the anonymous probes
/// need no token. A route without GET still answers 405 naming its methods.
/// </summary>
public sealed class HeadTests : BackendFixture
{
    private string _tenant = null!;
    private string _ruleId = null!;

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _ruleId = (await CreateRuleAsync(_tenant, Samples.Rule(await CreateConnectionAsync(_tenant))))["id"]!.GetValue<string>();
    }

    [TestCase("/health")]
    [TestCase("/ready")]
    public async Task An_anonymous_probe_answers_HEAD_without_a_token(string path)
    {
        using var response = await Backend.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [TestCase("/api/me")]
    [TestCase("/api/rules")]
    [TestCase("/api/rules/{rule}")]
    [TestCase("/api/rules/{rule}/versions")]
    [TestCase("/api/rules/rule_doesnotexist00000000")]
    [TestCase("/api/runs")]
    [TestCase("/api/runs?limit=abc")]
    [TestCase("/api/connections")]
    [TestCase("/api/webhooks")]
    [TestCase("/api/support/grants")]
    [TestCase("/api/no-such-route")]
    public async Task HEAD_answers_what_GET_answers_without_the_body(string template)
    {
        var path = template.Replace("{rule}", _ruleId, StringComparison.Ordinal);
        using var get = await Backend.SendAsync(HttpMethod.Get, path, _tenant);
        using var head = await Backend.SendAsync(HttpMethod.Head, path, _tenant);

        Assert.That(head.StatusCode, Is.EqualTo(get.StatusCode), path);
        Assert.That(head.Content.Headers.ContentType?.MediaType, Is.EqualTo(get.Content.Headers.ContentType?.MediaType), path);
        Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty, path);

        // The connection is still usable after a HEAD answer (no stray body bytes on it).
        using var next = await Backend.SendAsync(HttpMethod.Get, "/api/me", _tenant);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task HEAD_on_a_route_without_GET_is_405_naming_its_methods()
    {
        using var response = await Backend.SendAsync(HttpMethod.Head, "/forge/events", _tenant);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { "POST" }));
    }
}
