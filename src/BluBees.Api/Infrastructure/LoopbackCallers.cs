using System.Net;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Whether a request comes from this machine (a loopback address, also in its IPv4-mapped IPv6 form). For the routes
/// that have no token to check and must answer only a caller on the same host: the development issuer (<c>/dev/*</c>)
/// and the worker's SQS batch route, which the Lambda Web Adapter calls over 127.0.0.1. A request without a remote
/// address (not over TCP) is not from a loopback address. The address is compared, never logged or kept.
/// </summary>
internal static class LoopbackCallers
{
    public static bool IsLoopback(HttpContext context)
        => context.Connection.RemoteIpAddress is { } remote
           && (IPAddress.IsLoopback(remote) || remote.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(remote.MapToIPv4()));
}
