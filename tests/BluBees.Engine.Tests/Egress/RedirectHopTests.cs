using System.Text;
using BluBees.Engine.Egress;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A redirect hop is a response's text: its target is checked like a configured URL (every spelling of a private
/// address, with private networks off), its body is never read, its cookies are never sent back, and a refusal's
/// message names the request's label, nothing of the <c>Location</c>.
/// </summary>
public sealed class RedirectHopTests
{
    /// <summary>
    /// The scheme is the Location's text (a scheme may be any letters and digits: a token fits). The message of a refused
    /// redirect scheme echoed it ("Scheme 'tok…' is not allowed"), though <see cref="EgressResponse.Error"/> is promised to
    /// hold at most the configured host.
    /// </summary>
    [Test]
    public async Task ARefusedSchemeOfARedirectIsNotEchoed()
    {
        const string scheme = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
        await using var origin = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, scheme + "://host/x", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Get, origin.Url("/start")) { Label = "api.example" }, CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedScheme), response.Error);
        Assert.That(response.Error, Does.Not.Contain(scheme).IgnoreCase);
        Assert.That(response.Error, Does.Contain("'api.example'"));
    }

    [Test]
    public async Task TheSchemeOfTheConfiguredUrlIsStillNamed()
    {
        using var kit = new EgressTestKit(new EgressOptions());

        var response = await kit.GetAsync("ftp://files.test/report.csv");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedScheme));
        Assert.That(response.Error, Does.Contain("'ftp'"));
    }

    /// <summary>
    /// Private networks off, only 127.0.0.1 allowed (the first hop): every other spelling of a loopback, unspecified,
    /// private or link-local address in a Location is refused before a connection, at the second hop as at the first.
    /// </summary>
    [Test]
    public async Task APrivateAddressIsRefusedAtEveryHopWhateverItsSpelling()
    {
        await using var inside = LoopbackServer.Ok("inside", "127.0.0.2");
        var port = inside.Port;
        string[] hosts =
        [
            "127.0.0.2", "2130706434", "0177.0.0.2", "0x7f000002", "0x7f.0.0.2", "127.2", "127.0.0.2.", "127\u30020\u30020\u30022",
            "[::ffff:127.0.0.2]", "[::ffff:7f00:2]", "[0:0:0:0:0:ffff:127.0.0.2]", "[::1]", "[64:ff9b::7f00:2]", "[2002:7f00:2::]",
            "0.0.0.0", "0", "[::]", "10.0.0.1", "192.168.1.1", "169.254.1.1", "[fe80::1]", "[fc00::1]",
        ];
        var options = new EgressOptions { AllowHttp = true, AllowAnyPort = true, AllowedNetworks = ["127.0.0.1/32"] };
        using var kit = new EgressTestKit(options);

        foreach (var host in hosts)
        {
            await using var origin = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, $"http://{host}:{port}/admin", ct));

            var response = await kit.GetAsync(origin.Url("/start"));

            Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedDestination), host);
            Assert.That(response.Redirects, Is.EqualTo(1), host);
            Assert.That(origin.Requests, Has.Count.EqualTo(1), host);
        }

        Assert.That(await inside.SettledConnectionsAsync(), Is.Zero);
    }

    /// <summary>
    /// A Location is a server's text, parsed by .NET's URI rules: userinfo before or after the address, backslashes, one
    /// slash or none after the scheme, whitespace, an upper-case scheme, zero-padded octets and port, a trailing dot on a
    /// name, an IPv4-compatible IPv6 form, a name (resolved to the address) that only the resolver knows is private. Each is
    /// refused, or read as a path on the first origin, and none connects to the private address (private networks off,
    /// only 127.0.0.1 allowed, the first hop).
    /// </summary>
    [Test]
    public async Task NoSpellingOfALocationReachesAPrivateAddress()
    {
        await using var inside = LoopbackServer.Ok("inside", "127.0.0.2");
        var port = inside.Port;
        string[] locations =
        [
            $"http://attacker.test@127.0.0.2:{port}/admin", $"http://127.0.0.2:{port}@attacker.test/admin", $"http://%31@127.0.0.2:{port}/",
            $"http:\\\\127.0.0.2:{port}\\admin", $"\\\\127.0.0.2:{port}\\admin", $"http:/127.0.0.2:{port}/admin", $"http:127.0.0.2:{port}/admin",
            $" http://127.0.0.2:{port}/admin", $"\thttp://127.0.0.2:{port}/admin ", $"HTTP://127.0.0.2:{port}/admin",
            $"http://127.000.000.002:{port}/", $"http://127.0.0.2:0{port}/", $"http://[::127.0.0.2]:{port}/", $"http://[::7f00:2]:{port}/",
            $"http://inside.test:{port}/", $"http://inside.test.:{port}/", $"http://INSIDE.test:{port}/", $"http://xn--nside-9ua.test:{port}/",
        ];
        var options = new EgressOptions { AllowHttp = true, AllowAnyPort = true, AllowedNetworks = ["127.0.0.1/32"] };
        var resolver = new FakeResolver().Map("inside.test", "127.0.0.2").Map("inside.test.", "127.0.0.2").Map("xn--nside-9ua.test", "127.0.0.2");
        using var kit = new EgressTestKit(options, resolver);

        foreach (var location in locations)
        {
            await using var origin = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
                ? LoopbackServer.RedirectAsync(s, 302, location, ct)
                : LoopbackServer.RespondAsync(s, 404, "", ct));

            var response = await kit.GetAsync(origin.Url("/start"));

            Assert.That(response.Failure != EgressFailure.None || response.StatusCode == 404, Is.True, location);
        }

        Assert.That(await inside.SettledConnectionsAsync(), Is.Zero);
    }

    /// <summary>A redirect's body (here endless) is never read: the next hop is asked at once, and only its body counts.</summary>
    [Test]
    public async Task ARedirectsBodyIsNeverRead()
    {
        await using var server = LoopbackServer.Start(async (r, s, ct) =>
        {
            if (r.Target != "/start")
            {
                await LoopbackServer.RespondAsync(s, 200, "next", ct);
                return;
            }

            await LoopbackServer.WriteAsciiAsync(s, "HTTP/1.1 302 Found\r\nLocation: /next\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            var chunk = Encoding.ASCII.GetBytes("4000\r\n" + new string('x', 0x4000) + "\r\n");
            while (!ct.IsCancellationRequested)
            {
                await s.WriteAsync(chunk, ct);
            }
        });
        var options = EgressTestKit.LoopbackOptions();
        options.MaxResponseBytes = 1024;
        using var kit = new EgressTestKit(options);

        var response = await kit.GetAsync(server.Url("/start"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(Encoding.UTF8.GetString(response.Body.Span), Is.EqualTo("next"));
        Assert.That(response.BytesIn, Is.EqualTo(4));
    }

    /// <summary>
    /// The second hop's status line arrives, then its Location one byte at a time: the headers timeout of that hop (on
    /// the guard's clock, moved by hand) ends the call, though the call's own timeout is an hour away. Bytes still
    /// arriving do not hold it open. (The real-time token only turns a hang into a failure; it never passes a test.)
    /// </summary>
    [Test]
    public async Task ARedirectHopWhoseLocationDripsIsCutByTheHeadersTimeout()
    {
        var dripping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = LoopbackServer.Start(async (r, s, ct) =>
        {
            if (r.Target == "/start")
            {
                await LoopbackServer.RedirectAsync(s, 302, "/drip", ct);
                return;
            }

            await LoopbackServer.WriteAsciiAsync(s, "HTTP/1.1 302 Found\r\nLocation: /", ct);
            dripping.TrySetResult();
            while (!ct.IsCancellationRequested)
            {
                await LoopbackServer.WriteAsciiAsync(s, "a", ct);
                await Task.Delay(50, ct);
            }
        });
        var options = EgressTestKit.LoopbackOptions();
        options.ResponseHeadersTimeout = TimeSpan.FromSeconds(10);
        using var kit = new EgressTestKit(options);
        var time = new FakeTimeProvider();
        var client = new GuardedHttpClient(kit.Guard, time);
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var call = client.SendAsync(new EgressRequest(HttpMethod.Get, server.Url("/start")) { Timeout = TimeSpan.FromHours(1) }, hang.Token);
        await dripping.Task.WaitAsync(hang.Token);
        time.Advance(TimeSpan.FromSeconds(11));
        var response = await call;

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.Timeout), response.Error);
        Assert.That(response.Redirects, Is.EqualTo(1));
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/start", "/drip" }));
    }

    /// <summary>No cookie jar: a cookie a redirect sets is not sent to the next hop, even on the same origin.</summary>
    [Test]
    public async Task ACookieSetByARedirectIsNotSentBack()
    {
        await using var server = LoopbackServer.Start((r, s, ct) => r.Target == "/start"
            ? LoopbackServer.RespondAsync(s, 302, "", ct, ("Location", "/next"), ("Set-Cookie", "session=from-redirect; Path=/"))
            : LoopbackServer.RespondAsync(s, 200, "done", ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url("/start"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None), response.Error);
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/start", "/next" }));
        Assert.That(server.Requests.Last().Header("Cookie"), Is.Null);
    }
}
