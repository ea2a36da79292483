using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>Streamed responses (transfers) may be capped above 2 GiB; buffered ones may not. The announced length is exposed.</summary>
public sealed class StreamingCapTests
{
    private const long ThreeGiB = 3L * 1024 * 1024 * 1024;

    [Test]
    public async Task AStreamedResponseMayHaveACapAboveTwoGiBAndExposesItsLength()
    {
        await using var server = LoopbackServer.Ok("twelve bytes");
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        await using var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Get, server.Url()) { MaxResponseBytes = ThreeGiB, BufferResponse = false }, CancellationToken.None);

        Assert.That(response.Completed, Is.True, response.ToString());
        Assert.That(response.ContentLength, Is.EqualTo(12));
        var copy = new MemoryStream();
        await response.BodyStream!.CopyToAsync(copy);
        Assert.That(copy.Length, Is.EqualTo(12));
        Assert.That(response.BytesIn, Is.EqualTo(12));
    }

    [Test]
    public void ABufferedResponseCannotHaveACapAboveTwoGiB()
    {
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Get, new Uri("http://127.0.0.1:9/")) { MaxResponseBytes = ThreeGiB }, CancellationToken.None));
    }
}
