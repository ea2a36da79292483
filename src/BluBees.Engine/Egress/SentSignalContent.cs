using System.Net;

namespace BluBees.Engine.Egress;

/// <summary>
/// Wraps a request body and calls back once it has been written in full, so the response-headers timeout starts when
/// the upload ends rather than when it begins. Headers (Content-Type, Content-Length, …) are the inner content's.
/// </summary>
internal sealed class SentSignalContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly Action _sent;

    public SentSignalContent(HttpContent inner, Action sent)
    {
        _inner = inner;
        _sent = sent;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await _inner.CopyToAsync(stream, context, cancellationToken);
        _sent();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? -1;
        return length >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
