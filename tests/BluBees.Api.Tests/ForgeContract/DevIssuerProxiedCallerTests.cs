using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// A proxy on the developer's machine (nginx, Caddy, a tunnel agent such as ngrok or cloudflared) connects to the
/// backend from 127.0.0.1 for whoever called it: without the forwarded-headers middleware (off by default) the backend
/// saw only the loopback peer, and <c>/dev/token</c> handed an administrator's token for any tenant to a caller on the
/// network. Such a proxy says that it forwards (<c>X-Forwarded-For</c>, <c>Forwarded</c>, <c>X-Real-IP</c>, <c>Via</c>,
/// <c>X-Forwarded-Host</c>): the issuer now refuses any request that carries one, 403 with no token. A proxy that says
/// nothing and keeps <c>Host</c> to a loopback name still makes its callers look local (docs/security.md).
/// </summary>
public sealed class DevIssuerProxiedCallerTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TestCase("X-Forwarded-For", "203.0.113.9")]
    [TestCase("X-Forwarded-For", "127.0.0.1, 203.0.113.9")]
    [TestCase("Forwarded", "for=203.0.113.9;proto=https")]
    [TestCase("X-Real-IP", "203.0.113.9")]
    [TestCase("Via", "1.1 edge-proxy")]
    [TestCase("X-Forwarded-Host", "blubees-dev.example")]
    public async Task A_request_a_proxy_forwarded_gets_no_token(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dev/token");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await _backend.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), text);
            Assert.That(text, Does.Not.Contain("\"token\"").And.Contain("\"status\":403"), text);
        });
    }

    [Test]
    public async Task A_caller_on_this_machine_with_no_forwarding_header_still_gets_a_token()
    {
        using var response = await _backend.Client.PostAsync("/dev/token", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(JsonNode.Parse(text)!["token"]!.GetValue<string>(), Is.Not.Empty);
    }
}
