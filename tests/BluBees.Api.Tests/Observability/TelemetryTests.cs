using System.Diagnostics;
using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BluBees.Api.Tests.Observability;

/// <summary>
/// Issue 11: OpenTelemetry behind <c>Telemetry:Enabled</c>. The in-memory exporter stands where OTLP would be: it
/// sees what would leave the process, which must carry no query string, secret, header value or full URL path.
/// </summary>
public sealed class TelemetryTests
{
    private const string QuerySecret = "qs-s3cr3t-value";

    private TestIssuer _issuer = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _issuer.DisposeAsync();

    [Test]
    public async Task Off_by_default_no_provider_is_registered()
    {
        await using var backend = await BackendHost.StartAsync(_issuer);
        Assert.Multiple(() =>
        {
            Assert.That(backend.Services.GetService<TracerProvider>(), Is.Null);
            Assert.That(backend.Services.GetService<MeterProvider>(), Is.Null);
        });
    }

    [Test]
    public async Task Traces_and_metrics_are_produced_without_query_path_ids_or_secrets()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true" }, s =>
        {
            s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        });

        // A server request with a secret in its query, and one that makes the backend call Jira (a query of its own).
        using (var health = await backend.Client.GetAsync("/health?token=" + QuerySecret))
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var tenant = Samples.NewTenant();
        using (var me = await backend.SendAsync(HttpMethod.Get, "/api/me?secret=" + QuerySecret, tenant))
        {
            Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // The connection pipelines' meter is subscribed by name: a measurement on a meter called "Polly" is exported.
        using (var polly = new System.Diagnostics.Metrics.Meter(BluBees.Api.Observability.TelemetrySetup.PollyMeter))
        {
            polly.CreateCounter<long>("blubees.test.polly_probe").Add(1);
            backend.Services.GetRequiredService<MeterProvider>().ForceFlush();
        }

        backend.Services.GetRequiredService<TracerProvider>().ForceFlush();
        backend.Services.GetRequiredService<MeterProvider>().ForceFlush();

        List<Activity> exported;
        lock (spans)
        {
            exported = [.. spans];
        }

        var server = exported.Where(a => a.Kind == ActivityKind.Server).ToList();
        var client = exported.Where(a => a.Kind == ActivityKind.Client).ToList();
        var tagValues = exported.SelectMany(a => a.TagObjects).Select(t => t.Value?.ToString() ?? "").ToList();
        var tagKeys = exported.SelectMany(a => a.TagObjects).Select(t => t.Key).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(server.Select(a => a.GetTagItem("http.route")), Does.Contain("/health").And.Contain("/api/me"), "server spans, by route");
            Assert.That(client, Is.Not.Empty, "the Jira permission call is a client span");
            Assert.That(tagValues, Has.None.Contains(QuerySecret));
            Assert.That(tagValues, Has.None.Contains("?"), "no query string at all");
            Assert.That(tagValues, Has.None.Contains(tenant), "no tenant id (it is in the token, not the path; nor may it leak)");
            Assert.That(tagKeys, Has.None.StartsWith("http.request.header.").And.None.StartsWith("http.response.header.").And.None.EqualTo("url.query"));
            Assert.That(client.Select(a => a.GetTagItem("url.full") as string), Has.All.Matches<string?>(u => u is null || new Uri(u).AbsolutePath == "/"), "outbound URLs are cut to scheme, host and port");
            Assert.That(exported.Select(a => a.DisplayName), Has.None.Contains(QuerySecret).And.None.Contains("mypermissions"));
        });

        var names = metrics.Select(m => m.Name).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(names, Does.Contain("http.server.request.duration"), "ASP.NET Core");
            Assert.That(names, Does.Contain("http.client.request.duration"), "HttpClient");
            Assert.That(names, Does.Contain("blubees.queue.depth"), "the BluBees meter");
            Assert.That(names, Does.Contain("blubees.test.polly_probe"), "Polly's meter");
            Assert.That(MetricTagValues(metrics), Has.None.Contains(QuerySecret).And.None.Contains("?"));
        });
    }

    /// <summary>
    /// On Lambda the process is frozen after its answer (see <c>TelemetryFlush</c>). The exporters here export only
    /// when flushed: the metric reader's interval and the span batch's delay are ten minutes. What a request did (its
    /// outbound Jira call: a client span and <c>http.client.request.duration</c>) is therefore exported by the time
    /// its answer is in the client's hands only if the flush ran before the answer.
    /// </summary>
    [TestCase(BluBees.Api.Observability.TelemetryFlush.LambdaFunctionVariable, "blubees-api", TestName = "In Lambda (AWS_LAMBDA_FUNCTION_NAME set) what a request did is exported before its answer")]
    [TestCase("Telemetry:FlushPerRequest", "true", TestName = "With Telemetry:FlushPerRequest what a request did is exported before its answer")]
    public async Task What_a_request_did_is_exported_before_its_answer(string key, string value)
    {
        var (spans, metrics) = await AnswerWithSlowExportersAsync(new Dictionary<string, string?> { [key] = value });
        Assert.Multiple(() =>
        {
            Assert.That(spans.Where(a => a.Kind == ActivityKind.Client), Is.Not.Empty, "the Jira permission call's client span");
            Assert.That(metrics.Select(m => m.Name), Does.Contain("http.client.request.duration"));
        });
    }

    /// <summary>The control for the test above: the same exporters, no per-request flush, nothing out yet.</summary>
    [TestCase(null, null, TestName = "Outside Lambda nothing is flushed per request")]
    [TestCase("Telemetry:FlushPerRequest", "false", TestName = "Telemetry:FlushPerRequest=false turns the flush off even in Lambda")]
    public async Task Without_the_flush_nothing_is_exported_by_the_answer(string? key, string? value)
    {
        var settings = new Dictionary<string, string?>();
        if (key is not null)
        {
            settings[key] = value;
            settings[BluBees.Api.Observability.TelemetryFlush.LambdaFunctionVariable] = "blubees-api";
        }

        var (spans, metrics) = await AnswerWithSlowExportersAsync(settings);
        Assert.Multiple(() =>
        {
            Assert.That(spans, Is.Empty);
            Assert.That(metrics, Is.Empty);
        });
    }

    /// <summary>One <c>/api/me</c> (which calls Jira) on Kestrel; what was exported at the moment its answer arrived.</summary>
    private async Task<(List<Activity> Spans, List<MetricSnapshot> Metrics)> AnswerWithSlowExportersAsync(Dictionary<string, string?> settings)
    {
        const int TenMinutes = 600_000;
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        settings["Telemetry:Enabled"] = "true";
        await using var backend = await BackendHost.StartAsync(_issuer, settings, s =>
        {
            s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new BatchActivityExportProcessor(new InMemoryExporter<Activity>(spans), scheduledDelayMilliseconds: TenMinutes)));
            s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics, reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = TenMinutes));
        });

        using var me = await backend.SendAsync(HttpMethod.Get, "/api/me", Samples.NewTenant());
        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        lock (spans)
        {
            lock (metrics)
            {
                return ([.. spans], [.. metrics]);
            }
        }
    }

    [TestCase("Telemetry:OtlpEndpoint", "localhost:4318", "Telemetry:OtlpEndpoint must be an absolute")]
    [TestCase("Telemetry:OtlpEndpoint", "https://user:pw@collector.example/", "without credentials")]
    public async Task A_bad_endpoint_is_refused_at_start(string key, string value, string message)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await (await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true", [key] = value })).DisposeAsync());
        Assert.That(failure!.Message, Does.Contain(message));
    }

    [Test]
    public async Task An_endpoint_without_Enabled_is_refused_rather_than_silently_ignored()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await (await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "http://localhost:4318" })).DisposeAsync());
        Assert.That(failure!.Message, Does.Contain("Telemetry:Enabled"));
    }

    private static List<string> MetricTagValues(IEnumerable<Metric> metrics)
    {
        var values = new List<string>();
        foreach (var metric in metrics)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                foreach (var tag in point.Tags)
                {
                    values.Add(tag.Value?.ToString() ?? "");
                }
            }
        }

        return values;
    }
}
