namespace BluBees.Bench.Throughput;

/// <summary>
/// What one measured phase produced. Rates are per second over the whole phase (first send to last ack / last
/// arrival); <see cref="SteadyCompletionsPerSecond"/> excludes ramp-up and drain (10th to 90th percentile arrival).
/// </summary>
internal sealed record PhaseResult
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required int Events { get; init; }
    public required int ClientConcurrency { get; init; }
    /// <summary>The backend's <c>Runs:WorkerConcurrency</c> (direct phases: the backend run they sit next to).</summary>
    public required int WorkerConcurrency { get; init; }
    public required double DurationSeconds { get; init; }

    /// <summary>Tenants the phase's events were spread over (round-robin).</summary>
    public int Tenants { get; init; } = 1;

    /// <summary>Engine: events accepted (202) per second at ingress. Direct: requests answered per second.</summary>
    public required double RequestsPerSecond { get; init; }

    /// <summary>Client-observed round trip: ingress answer (engine) or sink answer (direct).</summary>
    public required Latency RoundTrip { get; init; }

    /// <summary>Sink arrivals per second (the event made it through the whole path).</summary>
    public double? CompletionsPerSecond { get; init; }

    public double? SteadyCompletionsPerSecond { get; init; }

    /// <summary>From just before the client sends to the sink receiving the request (engine: via ingress, queue, worker, step).</summary>
    public required Latency EndToEnd { get; init; }

    public required IReadOnlyDictionary<string, int> Outcomes { get; init; }
    public int Missing { get; init; }
    public int DuplicateArrivals { get; init; }

    /// <summary>
    /// CPU time of the whole bench process (client, sink and engine) per event of the phase, in ms: steadier than
    /// wall-clock rates on a shared machine, and the budget that decides throughput once the cores are busy.
    /// </summary>
    public double? CpuMsPerEvent { get; init; }

    /// <summary>
    /// Methods the JIT compiled while the phase ran (<see cref="System.Runtime.JitInfo.GetCompiledMethodCount"/>):
    /// a large count means tier-up was still under way and shares the cores with what is measured.
    /// </summary>
    public long? MethodsJitted { get; init; }

    /// <summary>Sink arrivals in each one-second bucket after the first send.</summary>
    public IReadOnlyList<int> ArrivalsPerSecond { get; init; } = [];
}
