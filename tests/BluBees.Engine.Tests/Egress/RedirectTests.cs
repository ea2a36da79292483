using System.Text;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>Redirects are followed by our code, hop by hop, each hop checked like the first.</summary>
public sealed class RedirectTests
{
    private static readonly EgressHeader[] Credentials =
    [
        new("Authorization", "Bearer token-1"),
        new("Cookie", "session=abc"),
        new("X-Api-Key", "key-1", IsCredential: true),
        new("X-Trace", "trace-1"),
    ];

    [Test]
    public async Task APlainRequestReachesTheLoopbackServer()
    {
        await using var server = LoopbackServer.Start((_, s, ct) =>
            LoopbackServer.RespondAsync(s, 201, "{\"id\":7}", ct, ("Content-Type", "application/json"), ("Set-Cookie", "a=b"), ("X-Next", "p2")));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Post, server.Url("/items?q=1"))
            {
                Headers = [new("X-Trace", "t")],
                Body = Encoding.UTF8.GetBytes("{\"name\":\"x\"}"),
                ContentType = "application/json",
            },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(response.StatusCode, Is.EqualTo(201));
        Assert.That(Encoding.UTF8.GetString(response.Body.Span), Is.EqualTo("{\"id\":7}"));
        Assert.That(response.ContentType, Is.EqualTo("application/json"));
        Assert.That(response.Headers, Does.Contain(KeyValuePair.Create("X-Next", "p2")));
        Assert.That(response.Headers.Select(h => h.Key), Does.Not.Contain("Set-Cookie"));
        Assert.That(response.BytesIn, Is.EqualTo(8));
        Assert.That(response.BytesOut, Is.EqualTo(12));
        var received = server.Requests.Single();
        Assert.That(received.Method, Is.EqualTo("POST"));
        Assert.That(received.Target, Is.EqualTo("/items?q=1"));
        Assert.That(received.Header("Content-Type"), Is.EqualTo("application/json"));
        Assert.That(received.Header("X-Trace"), Is.EqualTo("t"));
        Assert.That(received.Header("traceparent"), Is.Null);
        Assert.That(Encoding.UTF8.GetString(received.Body), Is.EqualTo("{\"name\":\"x\"}"));
    }

    [Test]
    public async Task AChainIsFollowedHopByHop()
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target switch
        {
            "/a" => LoopbackServer.RedirectAsync(s, 302, "/b", ct),
            "/b" => LoopbackServer.RedirectAsync(s, 301, "c", ct),
            _ => LoopbackServer.RespondAsync(s, 200, "end", ct),
        });
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url("/a"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(response.Redirects, Is.EqualTo(2));
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/a", "/b", "/c" }));
    }

    [TestCase(301, "GET", 0)]
    [TestCase(302, "GET", 0)]
    [TestCase(303, "GET", 0)]
    [TestCase(307, "POST", 4)]
    [TestCase(308, "POST", 4)]
    public async Task MethodAndBodyFollowTheStatus(int status, string method, int bodyLength)
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, status, "/next", ct)
            : LoopbackServer.RespondAsync(s, 200, "done", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Post, server.Url("/start")) { Body = "data"u8.ToArray(), ContentType = "text/plain" },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var second = server.Requests.Last();
        Assert.That(second.Method, Is.EqualTo(method));
        Assert.That(second.Body, Has.Length.EqualTo(bodyLength));
        Assert.That(second.Header("Content-Type"), bodyLength == 0 ? Is.Null : Is.EqualTo("text/plain"));
    }

    /// <summary>
    /// RFC 9110 §15.4.2–15.4.3 lets a 301/302 change only a POST into a GET; a PUT, PATCH or DELETE is repeated as
    /// it was (its body too). Turning it into a GET would answer 200 for a write that never happened.
    /// </summary>
    [TestCase(301, "PUT", "PUT", 4)]
    [TestCase(302, "PUT", "PUT", 4)]
    [TestCase(301, "PATCH", "PATCH", 4)]
    [TestCase(302, "DELETE", "DELETE", 0)]
    [TestCase(303, "PUT", "GET", 0)]
    [TestCase(303, "DELETE", "GET", 0)]
    public async Task A301Or302RepeatsAnyMethodButPost(int status, string method, string expected, int bodyLength)
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, status, "/next", ct)
            : LoopbackServer.RespondAsync(s, 200, "done", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(new HttpMethod(method), server.Url("/start"))
            {
                Body = method == "DELETE" ? null : "data"u8.ToArray(),
                ContentType = method == "DELETE" ? null : "text/plain",
            },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var second = server.Requests.Last();
        Assert.That(second.Target, Is.EqualTo("/next"));
        Assert.That(second.Method, Is.EqualTo(expected));
        Assert.That(second.Body, Has.Length.EqualTo(bodyLength));
    }

    [Test]
    public async Task A301ThatWouldCarryAPutBodyToAnotherOriginIsRefused()
    {
        await using var target = LoopbackServer.Ok("target");
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 301, target.Url("/elsewhere").ToString(), ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Put, server.Url("/start")) { Body = "data"u8.ToArray(), ContentType = "text/plain" },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.RedirectRefused), response.Error);
        Assert.That(target.Requests, Is.Empty);
    }

    [Test]
    public async Task AStreamedRequestBodyIsProducedAgainForA307()
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/upload"
            ? LoopbackServer.RedirectAsync(s, 307, "/stored", ct)
            : LoopbackServer.RespondAsync(s, 200, "stored", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var produced = 0;

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Put, server.Url("/upload"))
            {
                ContentFactory = () =>
                {
                    produced++;
                    return new StreamContent(new MemoryStream("attachment"u8.ToArray()));
                },
                ContentType = "application/octet-stream",
            },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(produced, Is.EqualTo(2));
        Assert.That(server.Requests.Select(r => Encoding.UTF8.GetString(r.Body)), Is.EqualTo(new[] { "attachment", "attachment" }));
        Assert.That(server.Requests.Last().Header("Content-Type"), Is.EqualTo("application/octet-stream"));
        Assert.That(response.BytesOut, Is.EqualTo(20));
    }

    [Test]
    public async Task CredentialsAreKeptOnASameOriginRedirect()
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, 302, "/next", ct)
            : LoopbackServer.RespondAsync(s, 200, "done", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url("/start"), Credentials);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var second = server.Requests.Last();
        Assert.That(second.Header("Authorization"), Is.EqualTo("Bearer token-1"));
        Assert.That(second.Header("Cookie"), Is.EqualTo("session=abc"));
        Assert.That(second.Header("X-Api-Key"), Is.EqualTo("key-1"));
    }

    [Test]
    public async Task CredentialsAreDroppedWhenThePortChanges()
    {
        await using var target = LoopbackServer.Ok("target");
        await using var origin = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 307, target.Url("/landing").ToString(), ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(origin.Url("/start"), Credentials);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        AssertCredentialsDropped(target.Requests.Single());
    }

    [Test]
    public async Task CredentialsAreDroppedWhenTheHostChangesAndStayDropped()
    {
        // a.test and b.test are the same server: only the host name differs. The chain then comes back to a.test.
        LoopbackServer? server = null;
        server = LoopbackServer.Start((r, s, ct) => r.Target switch
        {
            "/start" => LoopbackServer.RedirectAsync(s, 302, $"http://b.test:{server!.Port}/hop", ct),
            "/hop" => LoopbackServer.RedirectAsync(s, 302, $"http://a.test:{server!.Port}/back", ct),
            _ => LoopbackServer.RespondAsync(s, 200, "done", ct),
        });
        await using var _ = server;
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions(), new FakeResolver().Map("a.test", "127.0.0.1").Map("b.test", "127.0.0.1"));

        var response = await kit.GetAsync($"http://a.test:{server.Port}/start", Credentials);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        var requests = server.Requests.ToArray();
        Assert.That(requests[0].Header("Authorization"), Is.EqualTo("Bearer token-1"));
        AssertCredentialsDropped(requests[1]);
        AssertCredentialsDropped(requests[2]);
    }

    /// <summary>
    /// A protocol-relative Location ("//host:port/x") names another origin: it is followed there, re-checked like any
    /// hop, without the credentials. "/\host" is a path on the same origin to this client (browsers would read it as
    /// protocol-relative), so it never carries a credential to another host.
    /// </summary>
    [Test]
    public async Task AProtocolRelativeLocationIsAnotherOriginWithoutTheCredentials()
    {
        await using var target = LoopbackServer.Ok("target");
        await using var origin = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, $"//127.0.0.1:{target.Port}/landing", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(origin.Url("/start"), Credentials);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(target.Requests.Single().Target, Is.EqualTo("/landing"));
        AssertCredentialsDropped(target.Requests.Single());
    }

    [Test]
    public async Task ABackslashLocationStaysOnTheSameOrigin()
    {
        await using var target = LoopbackServer.Ok("target");
        await using var origin = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, 302, $"/\\127.0.0.1:{target.Port}/landing", ct)
            : LoopbackServer.RespondAsync(s, 200, "same", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(origin.Url("/start"), Credentials);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(origin.Requests, Has.Count.EqualTo(2));
        Assert.That(await target.SettledConnectionsAsync(), Is.Zero);
    }

    private static void AssertCredentialsDropped(RecordedRequest landed)
    {
        Assert.That(landed.Header("Authorization"), Is.Null);
        Assert.That(landed.Header("Cookie"), Is.Null);
        Assert.That(landed.Header("X-Api-Key"), Is.Null);
        Assert.That(landed.Header("X-Trace"), Is.Null, "custom headers stay with the addressed origin too");
    }

    [Test]
    public async Task TooManyRedirectsStopTheChain()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, "/again", ct));
        var options = EgressTestKit.LoopbackOptions();
        options.MaxRedirects = 3;
        using var kit = new EgressTestKit(options);

        var response = await kit.GetAsync(server.Url("/start"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.TooManyRedirects));
        Assert.That(response.Redirects, Is.EqualTo(3));
        Assert.That(response.StatusCode, Is.EqualTo(302));
        Assert.That(server.Requests, Has.Count.EqualTo(4));
    }

    [Test]
    public async Task ARedirectToABlockedNameFailsEvenThoughTheFirstHopWasAllowed()
    {
        await using var inside = LoopbackServer.Ok("secret", "127.0.0.2");
        await using var redirector = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, $"http://internal.test:{inside.Port}/admin", ct));
        var options = new EgressOptions { AllowHttp = true, AllowAnyPort = true, AllowedNetworks = ["127.0.0.1/32"] };
        using var kit = new EgressTestKit(options, new FakeResolver().Map("internal.test", "127.0.0.2"));

        var response = await kit.GetAsync(redirector.Url("/start"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.ConnectionFailed), "a blocked name fails like an unresolvable one");
        Assert.That(response.Redirects, Is.EqualTo(1));
        Assert.That(redirector.Connections, Is.EqualTo(1));
        Assert.That(await inside.SettledConnectionsAsync(), Is.Zero);
    }

    [TestCase("http://169.254.169.254/latest/meta-data/", EgressFailure.BlockedDestination)]
    [TestCase("http://[::ffff:a9fe:a9fe]/", EgressFailure.BlockedDestination)]
    [TestCase("http://0xa9fea9fe/", EgressFailure.BlockedDestination)]
    [TestCase("file:///etc/passwd", EgressFailure.BlockedScheme)]
    [TestCase("gopher://127.0.0.1:6379/_INFO", EgressFailure.BlockedScheme)]
    [TestCase("ftp://127.0.0.1/", EgressFailure.BlockedScheme)]
    [TestCase("http://user:pw@127.0.0.1/", EgressFailure.InvalidUrl)]
    [TestCase("http://08.0.0.1/", EgressFailure.InvalidUrl)]
    [TestCase("http://[bad", EgressFailure.InvalidUrl)]
    public async Task EveryHopIsCheckedLikeTheFirst(string location, EgressFailure expected)
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, location, ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url("/start"));

        Assert.That(response.Failure, Is.EqualTo(expected), response.Error);
        Assert.That(server.Connections, Is.EqualTo(1));
    }

    [Test]
    public async Task ARedirectToAPortNotAllowedIsRefused()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, "http://127.0.0.1:6379/", ct));
        var options = EgressTestKit.LoopbackOptions();
        options.AllowAnyPort = false;
        options.AllowedPorts = [server.Port];
        using var kit = new EgressTestKit(options);

        var response = await kit.GetAsync(server.Url("/start"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedPort));
    }

    /// <summary>A request that follows no redirect (a transfer's upload) gets the 3xx as its answer; the Location is not asked.</summary>
    [TestCase(301)]
    [TestCase(303)]
    [TestCase(307)]
    public async Task ARequestThatFollowsNoRedirectGetsTheRedirectAsItsAnswer(int status)
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, status, "/next", ct)
            : LoopbackServer.RespondAsync(s, 200, "elsewhere", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Put, server.Url("/start")) { Body = "data"u8.ToArray(), Redirects = RedirectHandling.None },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(response.StatusCode, Is.EqualTo(status));
        Assert.That(response.Redirects, Is.Zero);
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/start" }));
    }

    /// <summary>
    /// <see cref="RedirectHandling.SameMethod"/> (a Jira call) follows only a redirect that repeats the request as it was;
    /// one that would turn it into a GET is its answer.
    /// </summary>
    [TestCase(303, "POST", false)]
    [TestCase(302, "POST", false)]
    [TestCase(301, "POST", false)]
    [TestCase(303, "PUT", false)]
    [TestCase(303, "DELETE", false)]
    [TestCase(307, "POST", true)]
    [TestCase(308, "PUT", true)]
    [TestCase(301, "PUT", true)]
    [TestCase(303, "GET", true)]
    [TestCase(302, "GET", true)]
    public async Task ASameMethodRequestFollowsOnlyARedirectThatKeepsItsMethod(int status, string method, bool followed)
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RedirectAsync(s, status, "/next", ct)
            : LoopbackServer.RespondAsync(s, 200, "elsewhere", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var withBody = method is "POST" or "PUT";

        var response = await kit.Client.SendAsync(
            new EgressRequest(new HttpMethod(method), server.Url("/start"))
            {
                Body = withBody ? "data"u8.ToArray() : null,
                Redirects = RedirectHandling.SameMethod,
            },
            CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(response.StatusCode, Is.EqualTo(followed ? 200 : status));
        Assert.That(server.Requests.Select(r => r.Method + " " + r.Target),
            Is.EqualTo(followed ? new[] { method + " /start", method + " /next" } : [method + " /start"]));
    }

    [Test]
    public async Task ARedirectWithoutLocationIsTheFinalResponse()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 302, "moved", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None));
        Assert.That(response.StatusCode, Is.EqualTo(302));
    }
}
