using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace BluBees.Api.Observability;

/// <summary>
/// What outbound telemetry may say. A step's host can be rendered from issue data (or come from a redirect's
/// <c>Location</c>), so no host, address, port or URL of an outbound call leaves the process: the runtime's
/// <c>System.Net.Http</c> and <c>System.Net.NameResolution</c> meters keep only the tags below (a view drops
/// <c>server.address</c>, <c>server.port</c>, <c>network.peer.address</c>, <c>dns.question.name</c>, …), and every span
/// loses the <see cref="HostTags"/>.
/// </summary>
internal static class OutboundTelemetry
{
    /// <summary>The runtime's HttpClient meter (requests, queue time, connections).</summary>
    public const string HttpMeter = "System.Net.Http";

    /// <summary>The runtime's DNS meter (<c>dns.lookup.duration</c>, tagged with the name looked up).</summary>
    public const string DnsMeter = "System.Net.NameResolution";

    /// <summary>The only tags the two meters keep: none names a host, an address or a URL.</summary>
    public static readonly string[] MetricTags =
    [
        "http.request.method",
        "http.response.status_code",
        "http.connection.state",
        "error.type",
        "network.protocol.version",
        "url.scheme",
    ];

    /// <summary>Removed from every span, whatever created it.</summary>
    public static readonly string[] HostTags =
    [
        "server.address",
        "server.port",
        "network.peer.address",
        "network.peer.port",
        "client.address",
        "client.port",
        "url.full",
        "url.original",
        "dns.question.name",
        "http.host",
        "net.peer.name",
        "net.peer.ip",
        "net.peer.port",
        "net.host.name",
        "peer.service",
    ];

    /// <summary>The view: the allow-list for the two runtime meters; null (the default stream) for every other instrument.</summary>
    public static MetricStreamConfiguration? View(Instrument instrument) =>
        instrument.Meter.Name is HttpMeter or DnsMeter ? new MetricStreamConfiguration { TagKeys = MetricTags } : null;

    /// <summary>Drops the host tags from a span.</summary>
    public static void Scrub(Activity activity)
    {
        foreach (var key in HostTags)
        {
            if (activity.GetTagItem(key) is not null)
            {
                activity.SetTag(key, null);
            }
        }
    }
}
