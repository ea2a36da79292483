using System.Diagnostics;
using OpenTelemetry;

namespace BluBees.Api.Observability;

/// <summary>
/// The last guard before export: whatever instrumentation created a span, no query string, URL, host, address,
/// port or header value leaves with it (<c>user_agent.original</c>, which the ASP.NET Core instrumentation copies from
/// the caller's <c>User-Agent</c>, and the trace state taken from the caller's <c>tracestate</c>, included). The instrumentations' enrich callbacks already do this for the spans they make.
/// </summary>
internal sealed class TelemetryScrubber : BaseProcessor<Activity>
{
    /// <summary>
    /// A caller's <c>tracestate</c> header becomes the server span's trace state, which the exporter sends and every
    /// child span and outbound call inherits: a header value of the caller's. Dropped as the span starts (so nothing
    /// inherits or forwards it) and again at its end.
    /// </summary>
    public override void OnStart(Activity data) => data.TraceStateString = null;

    public override void OnEnd(Activity data)
    {
        data.TraceStateString = null;
        List<string>? drop = null;
        foreach (var tag in data.TagObjects)
        {
            if (tag.Key is "url.query" or "http.url" or "http.target" or "user_agent.original" or "http.user_agent"
                || tag.Key.StartsWith("http.request.header.", StringComparison.Ordinal)
                || tag.Key.StartsWith("http.response.header.", StringComparison.Ordinal))
            {
                (drop ??= []).Add(tag.Key);
            }
        }

        foreach (var key in drop ?? [])
        {
            data.SetTag(key, null);
        }

        OutboundTelemetry.Scrub(data);

        if (data.Kind == ActivityKind.Server && data.GetTagItem("url.path") is not null)
        {
            data.SetTag("url.path", data.GetTagItem("http.route") as string);
        }
    }
}
