using System.Globalization;
using System.IO.Compression;
using System.Text;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>Body cap, idle and rate timeouts, total timeout, decompression, streaming.</summary>
public sealed class LimitsTests
{
    private const int Cap = 1024 * 1024;
    private const int FiftyMegabytes = 50 * 1024 * 1024;

    [Test]
    public async Task A50MBChunkedBodyStopsAtTheCapWithBoundedMemory()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => SendChunkedAsync(s, FiftyMegabytes, ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var response = await kit.GetAsync(server.Url());

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.That(response.Failure, Is.EqualTo(EgressFailure.TooLarge), response.Error);
        Assert.That(response.BytesIn, Is.InRange(Cap, Cap + (64 * 1024)));
        Assert.That(response.Body.Length, Is.Zero);
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(allocated, Is.LessThan(16L * 1024 * 1024), "memory stays bounded by the cap, not the 50 MB sent");
    }

    [Test]
    public async Task ADeclaredLengthOverTheCapIsRefusedWithoutReading()
    {
        await using var server = LoopbackServer.Start(async (_, s, ct) =>
        {
            await LoopbackServer.WriteAsciiAsync(s, $"HTTP/1.1 200 OK\r\nContent-Length: {FiftyMegabytes}\r\nConnection: close\r\n\r\n", ct);
            await s.WriteAsync(new byte[64 * 1024], ct);
        });
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.TooLarge));
        Assert.That(response.BytesIn, Is.Zero);
    }

    [Test]
    public async Task ABodyOfExactlyTheCapIsFineAndTheRequestCanLowerTheCap()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, new byte[1000], ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var exact = await kit.Client.SendAsync(new EgressRequest(HttpMethod.Get, server.Url()) { MaxResponseBytes = 1000 }, CancellationToken.None);
        var lower = await kit.Client.SendAsync(new EgressRequest(HttpMethod.Get, server.Url()) { MaxResponseBytes = 999 }, CancellationToken.None);

        Assert.That(exact.Failure, Is.EqualTo(EgressFailure.None));
        Assert.That(exact.Body.Length, Is.EqualTo(1000));
        Assert.That(lower.Failure, Is.EqualTo(EgressFailure.TooLarge));
    }

    [Test]
    public async Task AGzipBombIsCutAtTheCapAfterDecompression()
    {
        var bomb = Gzip(new byte[FiftyMegabytes]);
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, bomb, ct, ("Content-Encoding", "gzip")));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(bomb, Has.Length.LessThan(Cap), "the compressed body alone is under the cap");
        Assert.That(response.Failure, Is.EqualTo(EgressFailure.TooLarge));
        Assert.That(response.BytesIn, Is.InRange(Cap, Cap + (64 * 1024)));
    }

    [TestCase("br")]
    [TestCase("deflate")]
    public async Task ABrotliOrDeflateBombIsCutAtTheCapToo(string encoding)
    {
        var bomb = Compress(encoding, new byte[8 * Cap]);
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, bomb, ct, ("Content-Encoding", encoding)));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(bomb, Has.Length.LessThan(Cap / 64), "small on the wire");
        Assert.That(response.Failure, Is.EqualTo(EgressFailure.TooLarge));
        Assert.That(response.BytesIn, Is.InRange(Cap, Cap + (64 * 1024)), "decompression stops one read past the cap");
    }

    /// <summary>Thousands of small headers or one huge one: the handler's 64 KiB header limit, a clear too-large failure.</summary>
    [TestCase(5000, 10)]
    [TestCase(1, 100_000)]
    public async Task TooManyOrTooLargeResponseHeadersAreTooLarge(int count, int size)
    {
        await using var server = LoopbackServer.Start(async (_, s, ct) =>
        {
            var head = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n");
            for (var i = 0; i < count; i++)
            {
                head.Append(CultureInfo.InvariantCulture, $"X-H{i}: ").Append('a', size).Append("\r\n");
            }

            await LoopbackServer.WriteAsciiAsync(s, head.Append("\r\nok").ToString(), ct);
        });
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.TooLarge), response.Error);
        Assert.That(response.Error, Does.Not.Contain("aaaa"));
    }

    [Test]
    public async Task AGzipBodyIsDecompressed()
    {
        await using var server = LoopbackServer.Start((_, s, ct) =>
            LoopbackServer.RespondAsync(s, 200, Gzip("hello, gzip"u8.ToArray()), ct, ("Content-Encoding", "gzip")));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var response = await kit.GetAsync(server.Url());

        Assert.That(Encoding.UTF8.GetString(response.Body.Span), Is.EqualTo("hello, gzip"));
    }

    [Test]
    public async Task ASlowDripIsCutByTheMinimumRate()
    {
        await using var server = LoopbackServer.Start(async (_, s, ct) =>
        {
            await LoopbackServer.WriteAsciiAsync(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n", ct);
            for (var i = 0; i < 100; i++)
            {
                await s.WriteAsync("x"u8.ToArray(), ct);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        });
        var options = EgressTestKit.LoopbackOptions();
        options.MinResponseBytesPerSecond = 50;
        options.MinRateGracePeriod = TimeSpan.FromSeconds(1);
        options.ReadIdleTimeout = HangGuard.Never; // a byte a second would never trip it anyway
        using var kit = new EgressTestKit(options);

        // The drip would take 100 s; the total timeout is out of reach, so only the minimum rate can end it in time.
        var response = await HangGuard.SendAsync(kit, new EgressRequest(HttpMethod.Get, server.Url()) { Timeout = HangGuard.Never });

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.Timeout));
        Assert.That(response.Error, Does.Contain("slower than 50 bytes/s"), "the minimum-rate rule fired, not the idle or total timeout");
        Assert.That(response.BytesIn, Is.InRange(1, 99), "cut mid-body");
    }

    [Test]
    public async Task ABodyThatStopsArrivingHitsTheIdleTimeout()
    {
        await using var server = LoopbackServer.Start(async (_, s, ct) =>
        {
            await LoopbackServer.WriteAsciiAsync(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nabc", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var options = EgressTestKit.LoopbackOptions();
        options.ReadIdleTimeout = TimeSpan.FromMilliseconds(500);
        options.MinResponseBytesPerSecond = 0; // off: only the idle timeout or the (unreachable) total timeout can end it
        using var kit = new EgressTestKit(options);

        var response = await HangGuard.SendAsync(kit, new EgressRequest(HttpMethod.Get, server.Url()) { Timeout = HangGuard.Never });

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.Timeout));
        Assert.That(response.Error, Is.EqualTo("No response data for 0.5 s."), "the idle timeout fired, not the total timeout");
        Assert.That(response.BytesIn, Is.EqualTo(3));
    }

    [Test]
    public async Task AServerThatNeverAnswersHitsTheTotalTimeout()
    {
        await using var server = LoopbackServer.Start((_, _, ct) => Task.Delay(Timeout.Infinite, ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        // The headers timeout (10 s by default) is put out of reach: only the call's 500 ms total timeout can end it.
        var response = await HangGuard.SendAsync(kit, new EgressRequest(HttpMethod.Get, server.Url())
        {
            Timeout = TimeSpan.FromMilliseconds(500),
            ResponseHeadersTimeout = HangGuard.Never,
        });

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.Timeout));
        Assert.That(response.Error, Does.Contain("timed out"));
        Assert.That(response.StatusCode, Is.Null, "no answer arrived");
    }

    [Test]
    public async Task TheCallersCancellationIsTheOneException()
    {
        await using var server = LoopbackServer.Start((_, _, ct) => Task.Delay(Timeout.Infinite, ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Assert.That(
            async () => await kit.Client.SendAsync(new EgressRequest(HttpMethod.Get, server.Url()), cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task AStreamedResponseIsCappedToo()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => SendChunkedAsync(s, FiftyMegabytes, ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        await using var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Get, server.Url()) { BufferResponse = false }, CancellationToken.None);

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.None));
        var error = await Assert.ThrowsAsync<EgressStreamException>(() => response.BodyStream!.CopyToAsync(Stream.Null));
        Assert.That(error!.Failure, Is.EqualTo(EgressFailure.TooLarge));
        Assert.That(response.BytesIn, Is.EqualTo(Cap + 1));
    }

    [Test]
    public async Task AStreamedResponseWithinTheCapReadsToTheEnd()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => SendChunkedAsync(s, 320 * 1024, ct));
        using var kit = new EgressTestKit(EgressTestKit.LoopbackOptions());

        await using var response = await kit.Client.SendAsync(
            new EgressRequest(HttpMethod.Get, server.Url()) { BufferResponse = false }, CancellationToken.None);
        var copy = new MemoryStream();
        await response.BodyStream!.CopyToAsync(copy);

        Assert.That(copy.Length, Is.EqualTo(320 * 1024));
        Assert.That(response.BytesIn, Is.EqualTo(320 * 1024));
    }

    private static async Task SendChunkedAsync(Stream stream, int total, CancellationToken ct)
    {
        await LoopbackServer.WriteAsciiAsync(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", ct);
        var chunk = new byte[64 * 1024];
        var size = Encoding.ASCII.GetBytes(chunk.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        for (var sent = 0; sent < total; sent += chunk.Length)
        {
            await stream.WriteAsync(size, ct);
            await stream.WriteAsync(chunk, ct);
            await stream.WriteAsync("\r\n"u8.ToArray(), ct);
        }

        await LoopbackServer.WriteAsciiAsync(stream, "0\r\n\r\n", ct);
    }

    private static byte[] Compress(string encoding, byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding == "br"
            ? new BrotliStream(output, CompressionLevel.Optimal)
            : new ZLibStream(output, CompressionLevel.Optimal))
        {
            compressor.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
