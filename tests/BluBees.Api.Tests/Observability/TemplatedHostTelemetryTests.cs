using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Egress;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BluBees.Api.Tests.Observability;

/// <summary>
/// A host rendered from issue data is "(templated)" in records and logs; it must not leave the process in telemetry
/// either (found by an adversarial sweep: the runtime's System.Net.Http and System.Net.NameResolution meters exported
/// it as server.address, network.peer.address and dns.question.name). Checked for a host that does not resolve (the
/// system resolver: the DNS meter) and for one that answers (client span, request and connection metrics).
/// </summary>
[TestFixture]
public sealed class TemplatedHostTelemetryTests
{
    private TestIssuer _issuer = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _issuer.DisposeAsync();

    [Test]
    public async Task A_host_rendered_from_issue_data_is_in_no_exported_span_or_metric()
    {
        var canary = "canaryhost" + Guid.NewGuid().ToString("N")[..16];
        var (spans, metrics, logs) = await RunAsync(canary, "http://{{ issue.fields.summary }}.invalid/hooks", resolver: null);
        AssertAbsent(canary, spans, metrics, logs);
    }

    [Test]
    public async Task A_rendered_host_that_answers_is_in_no_exported_span_or_metric()
    {
        var canary = "canaryhost" + Guid.NewGuid().ToString("N")[..16];
        await using var target = await LoopbackServer.StartAsync(ctx =>
        {
            ctx.Response.StatusCode = 200;
            return ctx.Response.WriteAsync("ok");
        });
        var (spans, metrics, logs) = await RunAsync(
            canary, "http://{{ issue.fields.summary }}.test:" + target.Address.Port + "/hooks", new LoopbackResolver());

        Assert.That(spans.Where(a => a.Kind == ActivityKind.Client), Is.Not.Empty, "the step's call is a client span");
        Assert.That(metrics.Select(m => m.Name), Does.Contain("http.client.request.duration").And.Contain("http.client.open_connections"));
        AssertAbsent(canary, spans, metrics, logs);
        var outbound = Tags(spans, metrics).Where(t => t.StartsWith("span:", StringComparison.Ordinal)
            || t.StartsWith("http.client.", StringComparison.Ordinal) || t.StartsWith("dns.", StringComparison.Ordinal));
        Assert.That(outbound.Where(t => t.Contains("127.0.0.1", StringComparison.Ordinal)), Is.Empty, "no peer address either (Kestrel's own listen address may stay)");
    }

    private async Task<(List<Activity> Spans, List<Metric> Metrics, string Logs)> RunAsync(string canary, string url, IEgressResolver? resolver)
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true" }, s =>
        {
            if (resolver is not null)
            {
                s.AddSingleton(resolver);
            }

            s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        });

        var tenant = Samples.NewTenant();
        var rule = Samples.Rule("unused");
        rule["steps"] = new JsonArray(
            new JsonObject
            {
                ["id"] = "hook",
                ["type"] = "http",
                ["method"] = "POST",
                ["url"] = url,
                ["body"] = new JsonObject { ["key"] = "{{ issue.key }}" },
                ["onError"] = "continue",
            });
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-31", canary));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        Assert.That(runs["items"]![0]!["steps"]![0]!["host"]!.GetValue<string>(), Is.EqualTo("(templated)"));

        backend.Services.GetRequiredService<TracerProvider>().ForceFlush();
        backend.Services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (spans)
        {
            return ([.. spans], metrics, backend.Logs.AllText);
        }
    }

    private static void AssertAbsent(string canary, List<Activity> spans, List<Metric> metrics, string logs)
    {
        var spanText = spans.SelectMany(a => a.TagObjects.Select(t => t.Key + "=" + t.Value).Append(a.DisplayName)).ToList();
        var metricText = Tags([], metrics);
        Assert.Multiple(() =>
        {
            Assert.That(spanText.Where(t => t.Contains(canary, StringComparison.OrdinalIgnoreCase)), Is.Empty, "span tags");
            Assert.That(metricText.Where(t => t.Contains(canary, StringComparison.OrdinalIgnoreCase)), Is.Empty, "metric tags");
            Assert.That(logs, Does.Not.Contain(canary).IgnoreCase, "log lines at every level (HttpClient's included)");
        });
    }

    private static List<string> Tags(List<Activity> spans, List<Metric> metrics)
    {
        var text = spans.SelectMany(a => a.TagObjects.Select(t => "span:" + t.Key + "=" + t.Value)).ToList();
        foreach (var metric in metrics)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                foreach (var tag in point.Tags)
                {
                    text.Add(metric.Name + ":" + tag.Key + "=" + tag.Value);
                }
            }
        }

        return text;
    }

    /// <summary>Every name is 127.0.0.1 (the loopback server; the test backend allows private networks).</summary>
    private sealed class LoopbackResolver : IEgressResolver
    {
        public ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => ValueTask.FromResult(new[] { IPAddress.Loopback });
    }
}
