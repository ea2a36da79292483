using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A response body is buffered byte for byte whatever sizes its reads come in: empty, one byte at a time, exactly the
/// first pooled buffer's size, one byte past it, and several times it (the buffer grows by renting a larger one).
/// </summary>
public sealed class ResponseBodyTests
{
    [TestCase(0, 1)]
    [TestCase(1, 1)]
    [TestCase(300, 1)]
    [TestCase(16 * 1024, 16 * 1024)]
    [TestCase((16 * 1024) + 1, 4096)]
    [TestCase((16 * 1024) + 1, 100_000)]
    [TestCase(250_000, 7_001)]
    [TestCase(1_048_576, 65_536)]
    public async Task TheBodyIsBufferedExactly(int length, int readSize)
    {
        var body = Enumerable.Range(0, length).Select(i => (byte)(i * 31 % 251)).ToArray();

        var buffered = await ResponseBody.BufferAsync(new ChunkedStream(body, readSize), CancellationToken.None);

        Assert.That(buffered, Is.EqualTo(body));
    }

    [Test]
    public async Task TwoBodiesInARowDoNotShareBytes()
    {
        var first = await ResponseBody.BufferAsync(new ChunkedStream([.. Enumerable.Repeat((byte)0xAB, 20_000)], 5_000), CancellationToken.None);
        var second = await ResponseBody.BufferAsync(new ChunkedStream([1, 2, 3], 2), CancellationToken.None);

        Assert.That(second, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(first, Has.Length.EqualTo(20_000).And.All.EqualTo((byte)0xAB));
    }

    [Test]
    public void AReadThatFailsMidwayFailsTheBuffering()
    {
        var stream = new ChunkedStream(new byte[50_000], 10_000) { FailAfter = 30_000 };

        Assert.That(() => ResponseBody.BufferAsync(stream, CancellationToken.None), Throws.InstanceOf<IOException>());
    }

    /// <summary>A read-only stream that hands out its bytes at most <c>readSize</c> at a time.</summary>
    private sealed class ChunkedStream(byte[] data, int readSize) : Stream
    {
        private int _position;

        public int FailAfter { get; init; } = int.MaxValue;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= FailAfter)
            {
                throw new IOException("The connection was reset.");
            }

            var n = Math.Min(Math.Min(readSize, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
