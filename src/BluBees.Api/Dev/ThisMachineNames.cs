using System.Net;
using Microsoft.Net.Http.Headers;

namespace BluBees.Api.Dev;

/// <summary>
/// Whether a request names this machine: its <c>Host</c> is <c>localhost</c>, a <c>.localhost</c> name (which browsers
/// resolve to loopback themselves, never through DNS: RFC 6761 section 6.3) or a loopback address, and so is its
/// <c>Origin</c> when it sends one. A loopback caller is not always someone on this machine: the developer's browser is
/// one, and a page of another site that rebinds its own name to 127.0.0.1 (DNS rebinding) reaches a loopback-only route
/// from it and reads the answer, naming its own site in <c>Host</c> and <c>Origin</c>; a page that cannot rebind still
/// sends its <c>Origin</c>. Neither header is logged or kept.
/// </summary>
internal static class ThisMachineNames
{
    public static bool AreNamedBy(HttpRequest request)
        => IsThisMachine(request.Host.Host)
           && (!request.Headers.TryGetValue(HeaderNames.Origin, out var origin) || origin.Count == 1 && IsLocalOrigin(origin[0]));

    private static bool IsLocalOrigin(string? origin)
        => Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && IsThisMachine(uri.Host);

    private static bool IsThisMachine(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var literal = host is ['[', .., ']'] ? host[1..^1] : host;
        return IPAddress.TryParse(literal, out var address)
               && (IPAddress.IsLoopback(address) || address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));
    }
}
