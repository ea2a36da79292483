using Microsoft.Net.Http.Headers;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Whether a request says a proxy forwarded it: <c>Forwarded</c> (RFC 7239), <c>X-Forwarded-For</c>,
/// <c>X-Forwarded-Host</c>, <c>X-Real-IP</c> or <c>Via</c> (RFC 9110 section 7.6.3). A proxy on this machine connects
/// from a loopback address for whoever called it, so a loopback-only route cannot tell its callers from local ones by
/// the peer address; the framework reads these headers only when its forwarded-headers middleware is on, which it is
/// not by default. Both loopback-only routes refuse such a request: the development issuer (<c>/dev/*</c>) and the worker's
/// SQS batch route, whose only caller, the Lambda Web Adapter, sends none of them. Only their presence counts: nothing of
/// them is read, logged or kept.
/// </summary>
internal static class ForwardedRequests
{
    private static readonly string[] Markers = ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", HeaderNames.Via];

    public static bool AnyIn(HttpRequest request) => Markers.Any(request.Headers.ContainsKey);
}
