using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BluBees.Engine.Execution;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using NUnit.Framework;
using static BluBees.Engine.Tests.Policies.Scripted;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// Issue 11: each connection's pipeline is named, so Polly's metrics (meter <c>Polly</c>) tell connections apart:
/// <c>pipeline.name</c> = <c>connection</c>, <c>pipeline.instance</c> = the connection id, and nothing else of the connection.
/// </summary>
public sealed class PipelineTelemetryTests
{
    private static readonly TenantId Tenant = new("tenant-telemetry");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    private sealed record Measurement(string Instrument, IReadOnlyDictionary<string, string?> Tags);

    private static MeterListener Listen(ConcurrentQueue<Measurement> into)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Polly")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            => into.Enqueue(new Measurement(instrument.Name, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));
        listener.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        listener.Start();
        return listener;
    }

    [Test]
    public async Task A_retry_event_carries_the_pipeline_name_and_the_connection_id_and_no_url_or_secret()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        using var listener = Listen(measurements);
        await using var server = Sequence(Answer(503), Answer(200, """{"ok":true}"""));
        var connection = await _h.CreateAsync(Tenant, server, new ConnectionResilience { MaxRetries = 1, RetryDelayMs = 200 }, secret: "s3cret-telemetry");

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        await _h.Time.SkipNextDelayAsync();
        Assert.That((await run).Record.Status, Is.EqualTo(RunStatus.Succeeded));

        // Other tests in this process use Polly too: only this connection's measurements count.
        var ours = measurements.Where(m => m.Tags.GetValueOrDefault("pipeline.instance") == connection.Id).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ours.Where(m => m.Instrument == "resilience.polly.strategy.events" && m.Tags.GetValueOrDefault("event.name") == "OnRetry"), Is.Not.Empty, "the retry is an event of this connection's pipeline");
            Assert.That(ours.Where(m => m.Instrument == "resilience.polly.pipeline.duration"), Is.Not.Empty);
            Assert.That(ours.Select(m => m.Tags.GetValueOrDefault("pipeline.name")).Distinct(), Is.EqualTo(new[] { ConnectionPipeline.ConnectionPipelineName }));
            var values = ours.SelectMany(m => m.Tags.Values).OfType<string>().ToList();
            Assert.That(values, Has.None.Contains("127.0.0.1").And.None.Contains("s3cret").And.None.Contains("/api").And.None.Contains(connection.Name));
        });
    }

    [Test]
    public async Task Two_connections_of_one_tenant_are_told_apart()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        using var listener = Listen(measurements);
        await using var a = Sequence(Answer(200));
        await using var b = Sequence(Answer(200));
        var first = await _h.CreateAsync(Tenant, a);
        var second = await _h.CreateAsync(Tenant, b);

        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(first));
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(second));

        var instances = measurements.Where(m => m.Instrument == "resilience.polly.pipeline.duration").Select(m => m.Tags.GetValueOrDefault("pipeline.instance")).ToHashSet();
        Assert.That(instances, Does.Contain(first.Id).And.Contain(second.Id));
    }
}
