using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// The development issuer trusts a loopback caller, and a browser on the developer's machine is one: a web page of
/// another site that rebinds its own name to 127.0.0.1 (DNS rebinding) posts to <c>/dev/token</c> from the developer's
/// browser, over loopback, as its own origin, and reads the answer: an administrator's token for any tenant (dev tokens
/// are the only ones a development backend accepts, and <c>dev-admin</c> is an administrator without asking Jira), with
/// which it drives <c>/api</c> on the same origin. Such a request names the page's site, not this machine, in
/// <c>Host</c> (and in <c>Origin</c>); a page of another site that cannot rebind still sends its <c>Origin</c>. So the
/// issuer answers only requests whose <c>Host</c> names this machine (<c>localhost</c>, a <c>.localhost</c> name, a
/// loopback address) and whose <c>Origin</c>, when sent, does too: every other is a 403 with no token. Before, each
/// case below was a 200 with a token. All requests here come over 127.0.0.1, so the loopback check alone passes them.
/// </summary>
public sealed class DevIssuerRebindingTests
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

    private int Port => _backend.Client.BaseAddress!.Port;

    private async Task<(HttpStatusCode Status, string Text)> MintAsync(string? host, string? origin, string path = "/dev/token")
    {
        using var request = new HttpRequestMessage(path == "/dev/token" ? HttpMethod.Post : HttpMethod.Get, path);
        if (host is not null)
        {
            request.Headers.Host = host.Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await _backend.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [TestCase("rebind.attacker.example:{port}", "http://rebind.attacker.example:{port}", TestName = "A rebound page of another site (Host and Origin name it)")]
    [TestCase("rebind.attacker.example:{port}", null, TestName = "A request naming another site's host without an Origin")]
    [TestCase("127.0.0.1.attacker.example", null, TestName = "A host name that only starts like a loopback address")]
    [TestCase("localhost.attacker.example:{port}", null, TestName = "A host name that only starts like localhost")]
    [TestCase("127.0.0.1:{port}", "http://attacker.example", TestName = "A page of another site posting to 127.0.0.1")]
    [TestCase("localhost:{port}", "null", TestName = "An opaque origin (a sandboxed frame, a file)")]
    public async Task A_request_that_does_not_name_this_machine_gets_no_token(string? host, string? origin)
    {
        var (status, text) = await MintAsync(host, origin?.Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);
            Assert.That(text, Does.Not.Contain("\"token\"").And.Contain("\"status\":403"), text);
        });
    }

    [Test]
    public async Task The_issuers_keys_are_not_served_to_another_sites_host_either()
    {
        var (status, text) = await MintAsync("rebind.attacker.example:{port}", null, "/dev/jwks.json");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);
    }

    [TestCase("127.0.0.1:{port}", null, TestName = "The CLI at 127.0.0.1")]
    [TestCase("localhost:{port}", null, TestName = "The CLI at localhost")]
    [TestCase("LocalHost", null, TestName = "localhost in another case, no port")]
    [TestCase("[::1]:{port}", null, TestName = "The IPv6 loopback address")]
    [TestCase("ui.localhost:{port}", "http://ui.localhost:5173", TestName = "A .localhost name (RFC 6761)")]
    [TestCase("127.0.0.1:{port}", "http://127.0.0.1:5173", TestName = "The local UI through Vite's proxy (Host rewritten, Origin the dev server)")]
    [TestCase("127.0.0.1:{port}", "http://localhost:4173", TestName = "The end-to-end UI through vite preview")]
    public async Task A_caller_on_this_machine_that_names_it_still_gets_a_token_that_opens_the_api(string host, string? origin)
    {
        var (status, text) = await MintAsync(host, origin);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        var token = JsonNode.Parse(text)!["token"]!.GetValue<string>();
        using var me = await _backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", token, withUserToken: false);
        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK), await me.Content.ReadAsStringAsync());
    }
}
