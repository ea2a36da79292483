using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>Scheme and port are refused before name resolution or any connection.</summary>
public sealed class SchemeAndPortTests
{
    [TestCase("ftp://files.test/report.csv")]
    [TestCase("file:///etc/passwd")]
    [TestCase("gopher://files.test:70/_x")]
    [TestCase("http://files.test/")]
    [TestCase("ws://files.test/")]
    public async Task OnlyHttpsByDefault(string url)
    {
        using var kit = new EgressTestKit(new EgressOptions(), new FakeResolver().Map("files.test", "127.0.0.1"));

        var response = await kit.GetAsync(url);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedScheme));
        Assert.That(kit.Resolver.TotalCalls, Is.Zero);
    }

    [Test]
    public async Task PortsOutsideTheListAreRefusedBeforeResolution()
    {
        await using var server = LoopbackServer.Ok();
        var options = EgressTestKit.LoopbackOptions();
        options.AllowAnyPort = false;
        using var kit = new EgressTestKit(options, new FakeResolver().Map("files.test", "127.0.0.1"));

        var response = await kit.GetAsync(server.Url("/", "files.test"));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedPort));
        Assert.That(kit.Resolver.TotalCalls, Is.Zero);
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }

    [Test]
    public async Task ARelativeUrlIsInvalid()
    {
        using var kit = new EgressTestKit(new EgressOptions());

        var response = await kit.Client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("/x", UriKind.Relative)), CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.InvalidUrl));
    }

    [TestCase("Host", "evil.test")]
    [TestCase("Transfer-Encoding", "chunked")]
    [TestCase("X-Injected", "a\r\nX-Evil: 1")]
    [TestCase("Bad Name", "v")]
    public async Task ReservedOrMalformedHeadersAreRefused(string name, string value)
    {
        await using var server = LoopbackServer.Ok();
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url(), new EgressHeader(name, value));

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.InvalidRequest));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }
}
