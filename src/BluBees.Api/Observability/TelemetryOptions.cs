using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Observability;

internal enum OtlpTransport { HttpProtobuf, Grpc }

/// <summary>
/// Configuration section <c>Telemetry</c>: OpenTelemetry traces and metrics, off by default. On Lambda the ADOT
/// collector layer is the receiver (<c>http://localhost:4318</c> for HttpProtobuf, <c>:4317</c> for Grpc).
/// </summary>
internal sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>Instrument the process (meters <c>BluBees</c>, <c>Polly</c>, ASP.NET Core, HttpClient and their spans).</summary>
    public bool Enabled { get; set; }

    /// <summary>Where the OTLP exporter sends; empty: instrumented, nothing exported (a host may add its own exporter).</summary>
    public string? OtlpEndpoint { get; set; }

    public OtlpTransport OtlpProtocol { get; set; } = OtlpTransport.HttpProtobuf;

    [Required(AllowEmptyStrings = false, ErrorMessage = "Telemetry:ServiceName must not be empty.")]
    public string ServiceName { get; set; } = "blubees";

    /// <summary>How often metrics are exported.</summary>
    [Range(1000, 300_000, ErrorMessage = "Telemetry:MetricExportIntervalMilliseconds must be from 1000 to 300000.")]
    public int MetricExportIntervalMilliseconds { get; set; } = 60_000;

    /// <summary>
    /// Flush metrics and spans before each answer (<see cref="TelemetryFlush"/>). Unset: on when running in AWS Lambda
    /// (<c>AWS_LAMBDA_FUNCTION_NAME</c> is set), where the process is frozen between invocations; off elsewhere.
    /// </summary>
    public bool? FlushPerRequest { get; set; }

    /// <summary>The most a per-request flush may add to an answer; what is not out by then leaves with a later flush.</summary>
    [Range(50, 10_000, ErrorMessage = "Telemetry:FlushTimeoutMilliseconds must be from 50 to 10000.")]
    public int FlushTimeoutMilliseconds { get; set; } = 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(OtlpEndpoint))
        {
            yield break;
        }

        // No credentials or query in the collector URL: it is logged by the exporter on failure.
        if (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0 || uri.Query.Length > 0)
        {
            yield return new ValidationResult("Telemetry:OtlpEndpoint must be an absolute http(s) URL without credentials or query, e.g. http://localhost:4318.", [nameof(OtlpEndpoint)]);
        }

        if (!Enabled)
        {
            yield return new ValidationResult("Telemetry:OtlpEndpoint is set but Telemetry:Enabled is false: set Telemetry:Enabled=true to export.", [nameof(Enabled)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="TelemetryOptions"/> (attributes and <see cref="TelemetryOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>;
