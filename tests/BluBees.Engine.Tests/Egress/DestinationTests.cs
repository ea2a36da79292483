using System.Globalization;
using System.Net;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>The address policy against a real loopback server that must never see a connection.</summary>
public sealed class DestinationTests
{
    [TestCase("127.0.0.1")]
    [TestCase("2130706433")]
    [TestCase("0x7f.0.0.1")]
    [TestCase("0x7f000001")]
    [TestCase("0177.0.0.1")]
    [TestCase("017700000001")]
    [TestCase("127.1")]
    [TestCase("127.0.0.1.")]
    [TestCase("[::ffff:127.0.0.1]")]
    [TestCase("[::ffff:7f00:1]")]
    [TestCase("0x7f.1.")]
    [TestCase("127\u30020\u30020\u30021", Description = "ideographic full stops: the URL parser maps them to dots")]
    [TestCase("127\uff0e0\uff0e0\uff0e1", Description = "full-width full stops")]
    [TestCase("localhost")]
    [TestCase("LOCALHOST.")]
    [TestCase("localhost\u3002")]
    [TestCase("internal.test")]
    [TestCase("mixed.test")]
    [TestCase("mixed-v6.test")]
    public async Task DefaultPolicyBlocksBeforeConnecting(string host)
    {
        // A literal address is a blocked destination; a name with a blocked address fails like a name that does not
        // resolve (no oracle over the operator's private DNS: InternalNameOracleTests).
        var expected = EgressHost.Parse(new Uri($"http://{host}/").IdnHost, out _) == HostKind.Literal
            ? EgressFailure.BlockedDestination
            : EgressFailure.ConnectionFailed;
        await using var server = LoopbackServer.Ok();
        var resolver = new FakeResolver()
            .Map("localhost", "127.0.0.1")
            .Map("localhost.", "127.0.0.1")
            .Map("internal.test", "127.0.0.1")
            // Internal address first: a guard that wrongly connected would reach the loopback server, never the internet.
            .Map("mixed.test", "127.0.0.1", "8.8.8.8")
            .Map("mixed-v6.test", "::ffff:127.0.0.1", "2606:4700::1111");
        using var kit = new EgressTestKit(EgressTestKit.BlockingOptions(), resolver);

        var response = await kit.GetAsync(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{server.Port}/"));

        Assert.That(response.Failure, Is.EqualTo(expected), response.Error);
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }

    [Test]
    public async Task FullWidthDigitsNeverReachTheLoopbackServer()
    {
        // With invariant globalization (the repository's setting) Uri encodes the host as a punycode name, which
        // is resolved and checked like any name; with ICU it canonicalises to 127.0.0.1 and is blocked as literal.
        await using var server = LoopbackServer.Ok();
        using var kit = new EgressTestKit(EgressTestKit.BlockingOptions());

        var response = await kit.GetAsync($"http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{server.Port}/");

        Assert.That(response.Failure, Is.AnyOf(EgressFailure.BlockedDestination, EgressFailure.ConnectionFailed));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }

    [Test]
    public async Task ANameAnsweringAnAllowedAndThenABlockedAddressIsBlocked()
    {
        // 127.0.0.1 plays the public address (allowed explicitly); 127.0.0.2 stays blocked as loopback.
        await using var server = LoopbackServer.Ok();
        var options = new EgressOptions { AllowHttp = true, AllowAnyPort = true, AllowedNetworks = ["127.0.0.1/32"] };
        using var kit = new EgressTestKit(options, new FakeResolver().Map("split.test", "127.0.0.1", "127.0.0.2"));

        var response = await kit.GetAsync($"http://split.test:{server.Port}/");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.ConnectionFailed), "a name with a blocked address fails as unresolvable");
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }

    [Test]
    public async Task PureDefaultsBlockLoopbackOn443WithoutAConnectionAttempt()
    {
        using var kit = new EgressTestKit(new EgressOptions());

        var response = await kit.GetAsync("https://127.0.0.1/");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedDestination));
        Assert.That(kit.Resolver.TotalCalls, Is.Zero);
    }

    [Test]
    public async Task ABlockedDestinationLooksTheSameWhetherOrNotAPortIsOpen()
    {
        await using var open = LoopbackServer.Ok();
        var closedPort = FreePort();
        using var kit = new EgressTestKit(EgressTestKit.BlockingOptions(), new FakeResolver().Map("internal.test", "127.0.0.1"));

        var toOpen = await kit.GetAsync($"http://internal.test:{open.Port}/");
        var toClosed = await kit.GetAsync($"http://internal.test:{closedPort}/");

        Assert.That(toOpen.Failure, Is.EqualTo(EgressFailure.ConnectionFailed));
        Assert.That(toClosed.Failure, Is.EqualTo(toOpen.Failure));
        Assert.That(toClosed.Error, Is.EqualTo(toOpen.Error));
        Assert.That(toOpen.Error, Does.Contain("internal.test").And.Not.Contain("127.0.0.1"));
    }

    [Test]
    public async Task AllowPrivateNetworksStillBlocksCloudMetadata()
    {
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions(), new FakeResolver().Map("metadata.test", "169.254.169.254"));

        var response = await kit.GetAsync("http://metadata.test/latest/meta-data/");
        var literal = await kit.GetAsync("http://169.254.169.254/latest/meta-data/");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.ConnectionFailed), "a name: fails like an unresolvable one");
        Assert.That(literal.Failure, Is.EqualTo(EgressFailure.BlockedDestination));
        Assert.That(response.Error, Does.Not.Contain("169.254"));
    }

    [Test]
    public async Task RebindingCannotMoveAConnectionOffTheCheckedAddress()
    {
        // Only 127.0.0.1 is allowed. The name answers 127.0.0.1 first and 127.0.0.2 on every later lookup.
        await using var checkedServer = LoopbackServer.Ok("checked");
        await using var rebound = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, "rebound", ct), "127.0.0.2", checkedServer.Port);
        var resolver = new FakeResolver().MapSequence("rebind.test", ["127.0.0.1"], ["127.0.0.2"]);
        var options = new EgressOptions { AllowHttp = true, AllowAnyPort = true, AllowedNetworks = ["127.0.0.1/32"] };
        using var kit = new EgressTestKit(options, resolver);
        var url = $"http://rebind.test:{checkedServer.Port}/";

        var first = await kit.GetAsync(url);

        Assert.That(first.Failure, Is.EqualTo(EgressFailure.None), first.Error);
        Assert.That(first.Body.ToArray(), Is.EqualTo("checked"u8.ToArray()));
        Assert.That(resolver.Calls("rebind.test"), Is.EqualTo(1), "one resolution per connection");
        Assert.That(checkedServer.Connections, Is.EqualTo(1));

        // The server closed the connection, so the next request opens a new one: resolved again, checked again.
        var second = await kit.GetAsync(url);

        Assert.That(second.Failure, Is.EqualTo(EgressFailure.ConnectionFailed));
        Assert.That(resolver.Calls("rebind.test"), Is.EqualTo(2));
        Assert.That(await rebound.SettledConnectionsAsync(), Is.Zero);
    }

    [Test]
    public async Task TheConnectCallbackConnectsToTheAddressItResolvedAndChecked()
    {
        await using var server = LoopbackServer.Ok();
        var resolver = new FakeResolver().MapSequence("once.test", ["127.0.0.1"], ["127.0.0.2"]);
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions(), resolver);

        await using var stream = await kit.Guard.ConnectAsync(new DnsEndPoint("once.test", server.Port), CancellationToken.None);

        var socket = ((System.Net.Sockets.NetworkStream)stream).Socket;
        Assert.That(((IPEndPoint)socket.RemoteEndPoint!).Address, Is.EqualTo(IPAddress.Loopback));
        Assert.That(resolver.Calls("once.test"), Is.EqualTo(1));
    }

    [Test]
    public async Task ARefusedConnectionToAnAllowedAddressIsReportedAsRefused()
    {
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync($"http://127.0.0.1:{FreePort()}/");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.Refused));
        Assert.That(response.Error, Does.Not.Contain("Connection refused"));
    }

    [Test]
    public async Task AnUnresolvableNameIsAConnectionFailure()
    {
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync("http://nowhere.test/");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.ConnectionFailed));
        Assert.That(response.Error, Does.Contain("nowhere.test"));
    }

    [Test]
    public async Task SlowResolutionHitsTheConnectTimeout()
    {
        var options = EgressTestKit.LoopbackOptions();
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        var resolver = new FakeResolver { Delay = HangGuard.Never }.Map("slow.test", "127.0.0.1");
        using var kit = new EgressTestKit(options, resolver);

        // The lookup never ends by itself and the total and headers timeouts are out of reach: only the connect
        // timeout can end the call before the hang guard.
        var response = await HangGuard.SendAsync(kit, new EgressRequest(HttpMethod.Get, new Uri("http://slow.test/"))
        {
            Timeout = HangGuard.Never,
            ResponseHeadersTimeout = HangGuard.Never,
        });

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.Timeout));
        Assert.That(response.Error, Does.Contain("timed out"));
        Assert.That(resolver.Cancelled, Is.EqualTo(1), "the lookup itself was cut");
    }

    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
