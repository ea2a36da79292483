using System.Diagnostics.Metrics;

namespace BluBees.Engine.Observability;

/// <summary>
/// The engine's operational metrics on <see cref="System.Diagnostics.Metrics"/> (meter <c>BluBees</c>), so any
/// OpenTelemetry or dotnet-counters listener can export them. Tags carry only closed vocabularies (statuses,
/// error categories, outcomes): never a tenant id, rule name, URL, header or payload.
/// </summary>
public sealed class BluBeesMetrics : IDisposable
{
    public const string MeterName = "BluBees";

    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _dedupeHits;
    private readonly Counter<long> _ingressFiltered;
    private readonly Counter<long> _traceSkipped;
    private readonly Counter<long> _tenantAcceptsRefused;
    private readonly Counter<long> _tenantRequestsRefused;
    private readonly Counter<long> _decryptFailures;
    private readonly Counter<long> _drain;
    private readonly Counter<long> _eventsAccepted;
    private readonly Counter<long> _unknownEvents;
    private readonly Counter<long> _rulesNotCompilable;
    private readonly Histogram<double> _queueWait;
    private readonly Counter<long> _cloudRequests;
    private readonly Counter<double> _readUnits;
    private readonly Counter<double> _writeUnits;
    private Func<long> _queueDepth = static () => 0;
    private Func<double> _queueOldestAgeSeconds = static () => 0;

    public BluBeesMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _runs = _meter.CreateCounter<long>("blubees.runs", description: "Runs finished, by status and error category.");
        _dedupeHits = _meter.CreateCounter<long>("blubees.ingress.duplicates", description: "Deliveries answered as duplicates.");
        _ingressFiltered = _meter.CreateCounter<long>("blubees.ingress.filtered", description: "Events acknowledged without queueing: no enabled rule could match.");
        _traceSkipped = _meter.CreateCounter<long>("blubees.ingress.trace_skipped", description: "Filtered events whose trace entries were not written: their tenant's previous filtered event's trace write was still in flight.");
        _tenantAcceptsRefused = _meter.CreateCounter<long>("blubees.ingress.tenant_accepts_refused", description: "Work refused (503) because its tenant already had Runs:PerTenantAcceptsInFlight accepts in flight.");
        _tenantRequestsRefused = _meter.CreateCounter<long>("blubees.api.tenant_requests_refused", description: "/api requests refused (429) because their tenant already had Api:PerTenantRequestsInFlight requests in flight and Api:PerTenantRequestsQueued waiting.");
        _eventsAccepted = _meter.CreateCounter<long>("blubees.ingress.accepted", description: "Events accepted and queued, by source.");
        _decryptFailures = _meter.CreateCounter<long>("blubees.crypto.decrypt_failures", description: "Secrets or data keys that failed to decrypt.");
        _drain = _meter.CreateCounter<long>("blubees.worker.drain", description: "Shutdown drain outcome: completed or left_durable.");
        _unknownEvents = _meter.CreateCounter<long>("blubees.ingress.unknown_event_types", description: "Events of an unknown type, acknowledged and ignored.");
        _rulesNotCompilable = _meter.CreateCounter<long>("blubees.rules.not_compilable", description: "Stored rule versions found not to compile on this build (once per version and process), by reason.");
        _queueWait = _meter.CreateHistogram<double>("blubees.queue.wait", unit: "s", description: "Time from acceptance to the start of a run.");
        _cloudRequests = _meter.CreateCounter<long>("blubees.aws.requests", description: "AWS API calls (DynamoDB, SQS, KMS), by service, operation and outcome.");
        _readUnits = _meter.CreateCounter<double>("blubees.dynamodb.read_units", description: "DynamoDB read capacity units consumed, as the service reports them, by operation.");
        _writeUnits = _meter.CreateCounter<double>("blubees.dynamodb.write_units", description: "DynamoDB write capacity units consumed, as the service reports them, by operation.");
        _meter.CreateObservableGauge("blubees.queue.depth", () => _queueDepth(), description: "Messages waiting in the queue.");
        _meter.CreateObservableGauge("blubees.queue.oldest_age", () => _queueOldestAgeSeconds(), unit: "s", description: "Age of the oldest waiting message.");
    }

    public void RunFinished(string status, string? category) =>
        _runs.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("category", category ?? "none"));

    public void DuplicateDelivery() => _dedupeHits.Add(1);

    public void IngressFiltered() => _ingressFiltered.Add(1);

    /// <summary>A filtered event's trace write was skipped: its tenant had one in flight (<c>EventIngestor.Trace.cs</c>).</summary>
    public void FilteredTraceSkipped() => _traceSkipped.Add(1);

    /// <summary>Work refused because its tenant held its share of the accepts in flight (<c>EventIngestor.Shares.cs</c>).</summary>
    public void TenantAcceptRefused() => _tenantAcceptsRefused.Add(1);

    /// <summary>An <c>/api</c> request was answered 429: its tenant's share and queue were full (<c>TenantRequestShares</c>).</summary>
    public void TenantRequestRefused() => _tenantRequestsRefused.Add(1);

    /// <summary>A stored rule version that this build cannot compile was found (<c>RuleService.LoadCompiledAsync</c>); <paramref name="reason"/> from <c>NotCompilableReasons</c>.</summary>
    public void RuleNotCompilable(string reason) => _rulesNotCompilable.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void EventAccepted(string source) => _eventsAccepted.Add(1, new KeyValuePair<string, object?>("source", source));

    public void DecryptFailure(string what) => _decryptFailures.Add(1, new KeyValuePair<string, object?>("what", what));

    public void DrainOutcome(string outcome, long count) => _drain.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>One AWS API call answered. <paramref name="operation"/> is the SDK's operation name (a closed set).</summary>
    public void AwsRequest(string service, string operation, string outcome) =>
        _cloudRequests.Add(1, new("service", service), new("operation", operation), new("outcome", outcome));

    /// <summary>The capacity one DynamoDB call consumed (its <c>ConsumedCapacity</c>, requested as TOTAL).</summary>
    public void DynamoDbCapacity(string operation, double readUnits, double writeUnits)
    {
        if (readUnits > 0)
        {
            _readUnits.Add(readUnits, new KeyValuePair<string, object?>("operation", operation));
        }

        if (writeUnits > 0)
        {
            _writeUnits.Add(writeUnits, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    public void QueueWait(TimeSpan wait) => _queueWait.Record(wait.TotalSeconds);

    /// <summary>The queue in use reports its depth and oldest age through these (read when a listener collects).</summary>
    public void ObserveQueue(Func<long> depth, Func<double> oldestAgeSeconds)
    {
        _queueDepth = depth;
        _queueOldestAgeSeconds = oldestAgeSeconds;
    }

    /// <summary>An event of a type outside the known vocabulary was acknowledged and dropped (ingress).</summary>
    public void UnknownEventIgnored() => _unknownEvents.Add(1);

    public void Dispose() => _meter.Dispose();
}
