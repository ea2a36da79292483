using System.Diagnostics;
using BluBees.Engine.Observability;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BluBees.Api.Observability;

/// <summary>
/// OpenTelemetry where metrics and traces leave the process, behind <c>Telemetry:Enabled</c>. What leaves carries
/// no payload, header value, query string or secret: no header is recorded, the server span's path is replaced
/// by its route template and its query dropped, exceptions are not recorded (their messages can name URLs), and no
/// outbound call's URL, host, address or port leaves at all, neither in a span nor in the runtime's HttpClient and
/// DNS metrics (<see cref="OutboundTelemetry"/>): a step's host may be rendered from issue data.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>Polly's meter (the connection pipelines' retries, breaker, timeouts and rate limits).</summary>
    public const string PollyMeter = "Polly";

    public static IServiceCollection AddBluBeesTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        // Read once here: whether the SDK is registered at all is a composition choice, like the providers'.
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return services;
        }

        // A malformed endpoint exports nothing here; TelemetryOptions' validation then stops the start naming it.
        var endpoint = Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var parsed) ? parsed : null;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(BluBeesMetrics.MeterName, PollyMeter).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation()
                    .AddView(OutboundTelemetry.View);
                if (endpoint is not null)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        Otlp(exporter, endpoint, options.OtlpProtocol, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.MetricExportIntervalMilliseconds;
                    });
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(o =>
                {
                    o.RecordException = false;
                    o.EnrichWithHttpRequest = (activity, _) => ScrubServer(activity, route: null);
                    o.EnrichWithHttpResponse = (activity, response) => ScrubServer(activity, (response.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
                });
                tracing.AddHttpClientInstrumentation(o =>
                {
                    o.RecordException = false;
                    o.EnrichWithHttpRequestMessage = (activity, _) => ScrubClient(activity);
                    o.EnrichWithHttpResponseMessage = (activity, _) => ScrubClient(activity);
                });

                // Also applied to any span that ends here, whatever created it, before the OTLP exporter sees it.
                tracing.AddProcessor(new TelemetryScrubber());
                if (endpoint is not null)
                {
                    tracing.AddOtlpExporter(exporter => Otlp(exporter, endpoint, options.OtlpProtocol, "v1/traces"));
                }
            });
        return services;
    }

    private static void Otlp(OtlpExporterOptions exporter, Uri endpoint, OtlpTransport transport, string signalPath)
    {
        exporter.Protocol = transport == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

        // With HttpProtobuf a configured endpoint is used as is, so the signal's path is appended here.
        exporter.Endpoint = transport == OtlpTransport.Grpc ? endpoint : new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/" + signalPath);
    }

    /// <summary>The request's path becomes its route template (ids in a path are data); the query is dropped.</summary>
    internal static void ScrubServer(Activity activity, string? route)
    {
        activity.SetTag("url.query", null);
        activity.SetTag("url.path", route);
    }

    /// <summary>Nothing of an outbound URL leaves the process but its scheme (<c>url.scheme</c>).</summary>
    internal static void ScrubClient(Activity activity)
    {
        activity.SetTag("url.query", null);
        activity.SetTag("url.path", null);
        OutboundTelemetry.Scrub(activity);
    }
}
