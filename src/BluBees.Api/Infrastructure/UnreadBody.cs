using Microsoft.AspNetCore.Http.Features;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// An answer that leaves the request body unread closes its connection, and says so (<c>Connection: close</c>).
/// Kestrel drains an unread body only up to its own limit; past it, or when the body could not be read at all, it
/// closes a connection the client believes it may reuse, and the client's next request on it fails while sending.
/// With the header the client opens a new connection instead (RFC 9112 §9.6). Closed: every 413 (the body was
/// refused unread, by a route's cap or the server's), every 408 and bad-request answer from the server's own reader
/// (the connection's framing is in doubt), any answer to a body declared larger than the server's limit, and any
/// answer to a chunked body that was not read to its end (its length is unknown, so it may be any size: a body sent
/// to a route that reads none, a GET's, or one refused before it was read; a write route that takes none reads it to its end first, BodylessWrites), and any answer to a body
/// announced with <c>Expect: 100-continue</c> that was not read (no <c>100 Continue</c> was sent, so the client may
/// never send it, or send it later: either way the connection's next bytes are in doubt).
/// </summary>
internal static class UnreadBody
{
    private static readonly object ReadKey = new();

    public static void CloseIfLeftUnread(HttpContext context)
    {
        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status413PayloadTooLarge || Declared(context) || ChunkedUnread(context) || ContinueUnread(context))
        {
            response.Headers.Connection = "close";
        }
    }

    /// <summary>Marks the connection for closing outright (an answer to a body the server's reader failed on).</summary>
    public static void Close(HttpContext context) => context.Response.Headers.Connection = "close";

    /// <summary>
    /// Records that the request body was read to its end (<see cref="JsonBody"/>): nothing is left to drain. Only the
    /// requests whose answer asks (chunked, or announced with <c>Expect</c>) are marked: the mark costs an allocation,
    /// and a body with a length within the server's limit is drained by Kestrel anyway.
    /// </summary>
    public static void MarkRead(HttpContext context)
    {
        if (context.Request.ContentLength is null || ExpectsContinue(context))
        {
            context.Items[ReadKey] = true;
        }
    }

    private static bool Declared(HttpContext context)
        => context.Request.ContentLength is { } length
        && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
        && length > limit;

    private static bool ContinueUnread(HttpContext context)
        => ExpectsContinue(context)
        && !context.Items.ContainsKey(ReadKey)
        && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;

    private static bool ExpectsContinue(HttpContext context)
        => context.Request.Headers.Expect is { Count: > 0 } expect
        && expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase);

    private static bool ChunkedUnread(HttpContext context)
        => context.Request.ContentLength is null
        && !context.Items.ContainsKey(ReadKey)
        && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
}
