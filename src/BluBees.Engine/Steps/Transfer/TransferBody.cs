using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// The destination's request body: the source's response stream, copied through one pooled buffer as the
/// destination connection accepts it, so memory stays flat whatever the size. Remembers a failure on the
/// source side, so the executor can tell "the source broke" from "the destination broke". A stream can be
/// sent once: content asked for again (a 307/308 redirect) fails cleanly instead of sending a partial body.
/// </summary>
internal sealed class TransferBody(Stream source, long? length, MediaTypeHeaderValue? contentType)
{
    public const int BufferSize = 64 * 1024;
    private int _sent;
    private long _written;

    /// <summary>Bytes handed to the destination connection so far.</summary>
    public long BytesWritten => Interlocked.Read(ref _written);

    /// <summary>True once the source's end was reached and every byte was handed over.</summary>
    public bool Completed { get; private set; }

    /// <summary>Set when reading the source failed (the destination call fails with it).</summary>
    public Exception? SourceFailure { get; private set; }

    /// <summary>A fresh <see cref="HttpContent"/> per hop, as <see cref="EgressRequest.ContentFactory"/> wants.</summary>
    public HttpContent CreateContent()
    {
        var content = new Content(this);
        content.Headers.ContentType = contentType;
        if (length is { } known)
        {
            content.Headers.ContentLength = known;
        }

        return content;
    }

    private async Task CopyAsync(Stream destination, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _sent, 1) == 1)
        {
            throw new EgressStreamException(EgressFailure.InvalidRequest, "A streamed body cannot be sent again on a redirect.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await ReadSourceAsync(buffer, ct)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, n), ct);
                Interlocked.Add(ref _written, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (length is { } expected && BytesWritten != expected)
        {
            SourceFailure = new IOException("The source ended before its announced length.");
            throw SourceFailure;
        }

        Completed = true;
    }

    private async ValueTask<int> ReadSourceAsync(byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await source.ReadAsync(buffer.AsMemory(0, BufferSize), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            SourceFailure = e;
            throw;
        }
    }

    private sealed class Content(TransferBody body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            body.CopyAsync(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            body.CopyAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = body.BytesWritten;
            return false;
        }
    }
}
