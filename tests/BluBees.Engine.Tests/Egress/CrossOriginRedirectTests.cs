using System.Text;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// What may follow a redirect to another origin (scheme, host or port changed): never a body that carries a stored
/// secret, never any body on a 307/308, and of the headers only plain transport ones.
/// </summary>
public sealed class CrossOriginRedirectTests
{
    private const string SecretForm = "grant_type=refresh_token&refresh_token=rt-canary&client_secret=cs-canary";

    public enum Change
    {
        Port,
        Host,
        Scheme,
    }

    private static readonly EgressHeader[] StepHeaders =
    [
        new("Authorization", "Bearer token-1", IsCredential: true),
        new("X-Api-Key", "key-1", IsCredential: true),
        new("X-Custom-Auth", "custom-1"),
        new("Cookie", "session=abc"),
        new("X-Trace", "trace-1"),
        new("Idempotency-Key", "idem-1"),
        new("Accept", "application/json"),
        new("Accept-Language", "de"),
        new("User-Agent", "BluBees-test"),
    ];

    [Test]
    public async Task ASecretBodyNeverFollowsARedirectToAnotherOrigin(
        [Values(301, 302, 303, 307, 308)] int status, [Values] Change change)
    {
        await using var target = LoopbackServer.Ok("{\"access_token\":\"stolen\"}");
        await using var origin = Redirector(status, target, change);
        using var kit = Kit(target);

        var response = await kit.Client.SendAsync(SecretRequest(origin.Url("/oauth/token")), CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.RedirectRefused), response.Error);
        Assert.That(response.StatusCode, Is.EqualTo(status));
        Assert.That(await target.SettledConnectionsAsync(), Is.Zero, "the other origin is never contacted");
        Assert.That(Landed(origin, target, change), Is.Empty);
        Assert.That(origin.Connections, Is.EqualTo(1));
        Assert.That(response.Error, Does.Not.Contain("rt-canary").And.Not.Contain("cs-canary"));
    }

    [TestCase(307, "POST", true)]
    [TestCase(308, "POST", true)]
    [TestCase(301, "GET", false)]
    [TestCase(302, "GET", false)]
    [TestCase(303, "GET", false)]
    public async Task ASecretBodyFollowsASameOriginRedirect(int status, string method, bool bodyKept)
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/oauth/token"
            ? LoopbackServer.RedirectAsync(s, status, "/oauth/token2", ct)
            : LoopbackServer.RespondAsync(s, 200, "{}", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(SecretRequest(server.Url("/oauth/token")), CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var second = server.Requests.Last();
        Assert.That(second.Method, Is.EqualTo(method));
        Assert.That(Encoding.UTF8.GetString(second.Body), Is.EqualTo(bodyKept ? SecretForm : ""));
    }

    [Test]
    public async Task AnyBodyIsNotResentToAnotherOriginOnA307Or308([Values(307, 308)] int status, [Values] Change change)
    {
        await using var target = LoopbackServer.Ok();
        await using var origin = Redirector(status, target, change);
        using var kit = Kit(target);

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Post, origin.Url("/hook")) { Body = "{\"summary\":\"issue-canary\"}"u8.ToArray(), ContentType = "application/json" },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.RedirectRefused));
        Assert.That(await target.SettledConnectionsAsync(), Is.Zero);
        Assert.That(Landed(origin, target, change), Is.Empty);
    }

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(303)]
    public async Task A303StyleRedirectOfAPlainBodyBecomesAGetWithoutIt(int status)
    {
        await using var target = LoopbackServer.Ok();
        await using var origin = Redirector(status, target, Change.Port);
        using var kit = Kit(target);

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Post, origin.Url("/hook")) { Body = "{\"summary\":\"issue-canary\"}"u8.ToArray(), ContentType = "application/json" },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var landed = target.Requests.Single();
        Assert.That(landed.Method, Is.EqualTo("GET"));
        Assert.That(landed.Body, Is.Empty);
        Assert.That(landed.Header("Content-Type"), Is.Null);
    }

    [Test]
    public async Task OnlyTransportHeadersFollowARedirectToAnotherOrigin(
        [Values(301, 302, 303, 307, 308)] int status, [Values(Change.Port, Change.Host)] Change change)
    {
        // (A scheme change cannot land on a loopback http server; the refusal tests cover it.)
        await using var target = LoopbackServer.Ok();
        await using var origin = Redirector(status, target, change);
        using var kit = Kit(target);

        var response = await kit.GetAsync(origin.Url("/start"), StepHeaders);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var landed = Landed(origin, target, change).Single();
        foreach (var dropped in new[] { "Authorization", "X-Api-Key", "X-Custom-Auth", "Cookie", "X-Trace", "Idempotency-Key" })
        {
            Assert.That(landed.Header(dropped), Is.Null, dropped);
        }

        Assert.That(landed.Header("Accept"), Is.EqualTo("application/json"));
        Assert.That(landed.Header("Accept-Language"), Is.EqualTo("de"));
        Assert.That(landed.Header("User-Agent"), Is.EqualTo("BluBees-test"));
        var first = origin.Requests.First();
        Assert.That(first.Header("X-Custom-Auth"), Is.EqualTo("custom-1"), "the addressed origin gets every header");
        Assert.That(first.Header("Idempotency-Key"), Is.EqualTo("idem-1"));
    }

    [Test]
    public async Task EveryHeaderFollowsASameOriginRedirect()
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, 302, "/next", ct)
            : LoopbackServer.RespondAsync(s, 200, "done", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        await kit.GetAsync(server.Url("/start"), StepHeaders);

        var second = server.Requests.Last();
        Assert.That(second.Header("X-Custom-Auth"), Is.EqualTo("custom-1"));
        Assert.That(second.Header("Authorization"), Is.EqualTo("Bearer token-1"));
        Assert.That(second.Header("Idempotency-Key"), Is.EqualTo("idem-1"));
    }

    [Test]
    public async Task TheRedirectHostNeverAppearsInTheErrorOrTheLog()
    {
        await using var origin = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 307, "http://canary-from-response.test/x", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Get, origin.Url("/start")) { Label = "(templated)" }, CancellationToken.None);

        Assert.That(response.Failure, Is.Not.EqualTo(EgressFailure.None));
        Assert.That(response.Error, Does.Not.Contain("canary-from-response").And.Not.Contain("127.0.0.1"));
        Assert.That(response.Error, Does.Contain("(templated)"));
    }

    private static EgressRequest SecretRequest(Uri url) => new(HttpMethod.Post, url)
    {
        Headers = [new("Accept", "application/json")],
        Body = Encoding.UTF8.GetBytes(SecretForm),
        ContentType = "application/x-www-form-urlencoded",
        BodyCarriesCredential = true,
    };

    /// <summary>
    /// Redirects every request but <c>/landing</c> (which it answers) to another origin: <paramref name="target"/>
    /// (port change), itself under another host name (host change, same address and port) or itself over https
    /// (scheme change).
    /// </summary>
    private static LoopbackServer Redirector(int status, LoopbackServer target, Change change)
    {
        LoopbackServer? self = null;
        self = LoopbackServer.Start((r, s, ct) => r.Target == "/landing"
            ? LoopbackServer.RespondAsync(s, 200, "landed", ct)
            : LoopbackServer.RedirectAsync(s, status, change switch
            {
                Change.Port => target.Url("/landing").ToString(),
                Change.Host => $"http://other.test:{self!.Port}/landing",
                _ => $"https://127.0.0.1:{self!.Port}/landing",
            }, ct));
        return self;
    }

    /// <summary>The requests that reached the redirect's target.</summary>
    private static RecordedRequest[] Landed(LoopbackServer origin, LoopbackServer target, Change change) => change == Change.Port
        ? [.. target.Requests]
        : [.. origin.Requests.Where(r => r.Target == "/landing")];

    private static EgressTestKit Kit(LoopbackServer target)
        => new(EgressTestKit.LoopbackOptions(), new FakeResolver().Map("other.test", "127.0.0.1"));
}
