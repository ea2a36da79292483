using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BluBees.Engine.Observability;

namespace BluBees.Aws.Tests.Cost;

/// <summary>
/// Reads one app instance's AWS cost metrics (<c>blubees.aws.requests</c>, <c>blubees.dynamodb.*_units</c>) as
/// they are recorded. The instance is told apart by its meter's scope (the instance's <see cref="IMeterFactory"/>),
/// so two hosts in one process are tallied separately.
/// </summary>
public sealed class AwsCallTally : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _counts = new(StringComparer.Ordinal);

    public AwsCallTally(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BluBeesMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope)
                && instrument.Name is "blubees.aws.requests" or "blubees.dynamodb.read_units" or "blubees.dynamodb.write_units")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Calls by "service operation outcome", e.g. "dynamodb PutItem condition_failed".</summary>
    public IReadOnlyDictionary<string, int> Requests => _counts.Where(c => !c.Key.StartsWith("units ", StringComparison.Ordinal))
        .ToDictionary(c => c.Key, c => (int)c.Value, StringComparer.Ordinal);

    public double ReadUnits => Units("read");
    public double WriteUnits => Units("write");

    public void Reset() => _counts.Clear();

    private double Units(string kind) => _counts.Where(c => c.Key.StartsWith("units " + kind + " ", StringComparison.Ordinal)).Sum(c => c.Value);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string Tag(string name, ReadOnlySpan<KeyValuePair<string, object?>> all)
        {
            foreach (var tag in all)
            {
                if (tag.Key == name)
                {
                    return tag.Value?.ToString() ?? "";
                }
            }

            return "";
        }

        var key = instrument.Name switch
        {
            "blubees.aws.requests" => $"{Tag("service", tags)} {Tag("operation", tags)} {Tag("outcome", tags)}",
            "blubees.dynamodb.read_units" => $"units read {Tag("operation", tags)}",
            _ => $"units write {Tag("operation", tags)}",
        };
        _counts.AddOrUpdate(key, value, (_, old) => old + value);
    }

    public void Dispose() => _listener.Dispose();
}
