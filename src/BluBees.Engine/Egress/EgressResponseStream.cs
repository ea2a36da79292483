using System.Globalization;

namespace BluBees.Engine.Egress;

/// <summary>
/// A response body that enforces the byte cap (counted after decompression), the idle-read timeout, the
/// minimum average rate and the call's total deadline. A broken limit raises <see cref="EgressStreamException"/>.
/// Never reads more than one byte past the cap.
/// </summary>
public sealed class EgressResponseStream : Stream
{
    private readonly Stream _inner;
    private readonly ReadLimits _limits;
    private readonly TimeProvider _time;
    private readonly CancellationToken _request;
    private readonly CancellationToken _deadline;
    private readonly IDisposable[] _owned;
    private readonly long _started;
    private long _read;

    /// <param name="request">The call's token (caller and deadline linked).</param>
    /// <param name="deadline">The deadline alone, to tell a timeout from a caller's cancellation.</param>
    /// <param name="owned">Disposed with the stream: the response message and the call's token sources.</param>
    internal EgressResponseStream(
        Stream inner, ReadLimits limits, TimeProvider time, CancellationToken request, CancellationToken deadline, params IDisposable[] owned)
    {
        _inner = inner;
        _limits = limits;
        _time = time;
        _request = request;
        _deadline = deadline;
        _owned = owned;
        _started = time.GetTimestamp();
    }

    /// <summary>Body bytes read so far.</summary>
    public long BytesRead => Interlocked.Read(ref _read);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        // Ask for at most one byte beyond the cap: enough to know the body is too large.
        var room = (int)Math.Min(buffer.Length, _limits.Cap - _read + 1);
        using var idle = new CancellationTokenSource(_limits.IdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _request, idle.Token);
        int n;
        try
        {
            n = await _inner.ReadAsync(buffer[..room], linked.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (_deadline.IsCancellationRequested || idle.IsCancellationRequested))
        {
            throw _deadline.IsCancellationRequested
                ? new EgressStreamException(EgressFailure.Timeout, "The request timed out while reading the response.")
                : new EgressStreamException(EgressFailure.Timeout, Invariant($"No response data for {_limits.IdleTimeout.TotalSeconds} s."), e);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // A body whose Content-Encoding does not match its bytes (gzip, deflate: InvalidDataException; Brotli:
            // InvalidOperationException) is the server's protocol error, not ours: a failure like a broken chunk.
            throw new EgressStreamException(EgressFailure.ConnectionFailed, "The response body could not be decoded.", e);
        }

        if (n == 0)
        {
            return 0;
        }

        var total = Interlocked.Add(ref _read, n);
        if (total > _limits.Cap)
        {
            throw new EgressStreamException(EgressFailure.TooLarge, Invariant($"The response body exceeds the limit of {_limits.Cap} bytes."));
        }

        var elapsed = _time.GetElapsedTime(_started);
        if (_limits.MinBytesPerSecond > 0 && elapsed > _limits.GracePeriod && total < _limits.MinBytesPerSecond * elapsed.TotalSeconds)
        {
            throw new EgressStreamException(EgressFailure.Timeout, Invariant($"The response arrives slower than {_limits.MinBytesPerSecond} bytes/s."));
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            foreach (var owned in _owned)
            {
                owned.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
