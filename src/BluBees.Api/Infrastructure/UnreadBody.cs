using Microsoft.AspNetCore.Http.Features;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// An answer that leaves the request body unread closes its connection, and says so (<c>Connection: close</c>).
/// Kestrel drains an unread body only up to its own limit; past it, or when the body could not be read at all, it
/// closes a connection the client believes it may reuse, and the client's next request on it fails while sending.
/// With the header the client opens a new connection instead (RFC 9112 §9.6). Closed: every 413 (the body was
/// refused unread, by a route's cap or the server's), every 408 and bad-request answer from the server's own reader
/// (the connection's framing is in doubt), any answer to a body declared larger than the server's limit, and an
/// error answer to a chunked body (its length is unknown, so it may be any size).
/// </summary>
internal static class UnreadBody
{
    public static void CloseIfLeftUnread(HttpContext context)
    {
        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status413PayloadTooLarge || Declared(context) || ChunkedRefused(context))
        {
            response.Headers.Connection = "close";
        }
    }

    /// <summary>Marks the connection for closing outright (an answer to a body the server's reader failed on).</summary>
    public static void Close(HttpContext context) => context.Response.Headers.Connection = "close";

    private static bool Declared(HttpContext context)
        => context.Request.ContentLength is { } length
        && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
        && length > limit;

    private static bool ChunkedRefused(HttpContext context)
        => context.Response.StatusCode >= 400
        && context.Request.ContentLength is null
        && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
}
