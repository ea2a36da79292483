using System.Net;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Whether a request comes from this machine (a loopback address, also in its IPv4-mapped IPv6 form). For the routes
/// that have no token to check and must answer only a caller on the same host: the development issuer (<c>/dev/*</c>)
/// and the worker's SQS batch route, which the Lambda Web Adapter calls over 127.0.0.1. A request without a remote
/// address (not over TCP) is not from a loopback address. Both addresses must be loopback: the TCP peer's as accepted
/// (<see cref="TransportPeer"/>), which no header can change, and the request's as the app sees it, which the
/// forwarded-headers middleware (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>) sets from <c>X-Forwarded-For</c>: a network
/// caller that claims 127.0.0.1 in that header is not let in, nor is a remote client a local proxy forwards for. The
/// addresses are compared, never logged or kept.
/// </summary>
internal static class LoopbackCallers
{
    public static bool IsLoopback(HttpContext context)
        => IsLoopback(TransportPeer.Of(context)) && IsLoopback(context.Connection.RemoteIpAddress);

    private static bool IsLoopback(IPAddress? address)
        => address is not null && (IPAddress.IsLoopback(address) || address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));
}
