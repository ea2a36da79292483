using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BluBees.Api.Observability;

/// <summary>
/// On Lambda, pushes the process's pending metrics and spans out before each answer starts, within a bounded time.
/// <para>
/// Why: Lambda freezes the execution environment once the runtime and every extension have asked for the next event
/// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html, "Lambda execution environment
/// lifecycle"); a frozen process runs no timers, so the SDK's periodic metric export and batched span export would
/// wait for the next invocation, or be lost when the environment is shut down. Here the Lambda Web Adapter is the
/// runtime: in its default (buffered) invoke mode it forwards the event to Kestrel, reads the whole HTTP response,
/// returns it to Lambda and asks for the next event
/// (https://awslabs.github.io/aws-lambda-web-adapter/configuration/response-streaming.html: buffered is the default;
/// https://docs.rs/lambda_web_adapter/1.0.0-rc1/lambda_web_adapter/enum.LambdaInvokeMode.html: "Lambda buffers the
/// entire response before returning"). So the invocation is over when the response is complete.
/// </para>
/// <para>
/// The flush runs in <see cref="HttpResponse.OnStarting(Func{Task})"/>, before the first byte of the answer, not after
/// the pipeline returns: a response with a Content-Length is complete for the adapter as soon as its last body byte
/// is written, which can be before the middleware pipeline unwinds. Everything the request did (outbound calls,
/// engine and Polly metrics) is exported with its answer. The request's own server span and
/// <c>http.server.request.duration</c> are recorded by ASP.NET Core after the answer; they leave with the next
/// invocation's flush, or when the host disposes the providers at shutdown.
/// </para>
/// <para>
/// <see cref="MeterProviderExtensions.ForceFlush"/> and <see cref="TracerProviderExtensions.ForceFlush"/> collect and
/// export now and block until done or until the timeout (OpenTelemetry .NET SDK); both run in parallel, so an
/// unreachable collector delays an answer by at most <see cref="TelemetryOptions.FlushTimeoutMilliseconds"/>.
/// </para>
/// </summary>
internal static partial class TelemetryFlush
{
    /// <summary>Set by Lambda in every function's environment (reserved variable): how Lambda mode is recognised.</summary>
    public const string LambdaFunctionVariable = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>Whether to flush per request: telemetry on, and <c>Telemetry:FlushPerRequest</c> or else Lambda mode.</summary>
    public static bool IsWanted(IConfiguration configuration, TelemetryOptions options)
        => options.Enabled && (options.FlushPerRequest ?? !string.IsNullOrEmpty(configuration[LambdaFunctionVariable]));

    public static WebApplication UseTelemetryFlush(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!IsWanted(app.Configuration, options))
        {
            return app;
        }

        var meters = app.Services.GetService<MeterProvider>();
        var tracer = app.Services.GetService<TracerProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BluBees.Telemetry");
        var timeout = options.FlushTimeoutMilliseconds;
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() => FlushAsync(meters, tracer, timeout, logger));
            return next(context);
        });
        return app;
    }

    internal static async Task FlushAsync(MeterProvider? meters, TracerProvider? tracer, int timeoutMilliseconds, ILogger logger)
    {
        // ForceFlush blocks; off the request's thread, both at once, each bounded by the same timeout.
        var flushed = await Task.WhenAll(
            Task.Run(() => tracer?.ForceFlush(timeoutMilliseconds) ?? true),
            Task.Run(() => meters?.ForceFlush(timeoutMilliseconds) ?? true));
        if (flushed.Contains(false))
        {
            LogFlushIncomplete(logger, timeoutMilliseconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry was not flushed within {TimeoutMilliseconds} ms before the answer; what is pending leaves with a later flush")]
    private static partial void LogFlushIncomplete(ILogger logger, int timeoutMilliseconds);
}
