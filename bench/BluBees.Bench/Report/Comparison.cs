using BluBees.Bench.Throughput;

namespace BluBees.Bench.Report;

/// <summary>
/// The engine against the direct baseline of the same backend run and client concurrency (same sink, body and
/// header). Added latency compares like with like: client send to sink arrival, through the engine or not.
/// Burst figures exist only where a burst phase ran (not for the unloaded pair).
/// </summary>
internal sealed record Comparison(
    int WorkerConcurrency,
    int ClientConcurrency,
    int Tenants,
    double DirectRequestsPerSecond,
    double PacedCompletionsPerSecond,
    double PacedRatio,
    double? BurstIngressPerSecond,
    double? BurstCompletionsPerSecond,
    double? BurstRatio,
    Latency Direct,
    Latency EnginePaced,
    Latency? EngineBurst,
    double AddedP50Ms,
    double AddedP99Ms)
{
    /// <summary>Published single-instance figures to read the numbers against (not measured here).</summary>
    public static readonly IReadOnlyDictionary<string, string> Anchors = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["n8n"] = "n8n publishes 220 workflow executions/s on a single instance",
        ["yarp"] = "a reverse proxy (YARP) adds about 1 ms at p50 over calling the backend directly",
    };

    public const string DefaultLimitsMarker = "default connection limits";

    public static IReadOnlyList<Comparison> From(IReadOnlyList<PhaseResult> phases)
    {
        var comparisons = new List<Comparison>();
        // The default-limits phase measures the connection's rate limit by design: never compared as the engine.
        // Engine phases are grouped by tenants too; each group is compared with the direct baseline of its backend
        // run and client concurrency (the direct path has no tenants).
        var measured = phases.Where(p => !p.Name.Contains(DefaultLimitsMarker, StringComparison.Ordinal)).ToList();
        foreach (var group in measured.Where(p => p.Kind != "direct").GroupBy(p => (p.WorkerConcurrency, p.ClientConcurrency, p.Tenants)))
        {
            var direct = measured.FirstOrDefault(p => p.Kind == "direct" && p.WorkerConcurrency == group.Key.WorkerConcurrency && p.ClientConcurrency == group.Key.ClientConcurrency);
            var paced = group.FirstOrDefault(p => p.Kind == "engine-paced");
            var burst = group.FirstOrDefault(p => p.Kind == "engine-burst");
            if (direct is null || paced is null)
            {
                continue;
            }

            var pacedRate = paced.CompletionsPerSecond ?? 0;
            var burstRate = burst?.SteadyCompletionsPerSecond ?? burst?.CompletionsPerSecond;
            comparisons.Add(new Comparison(
                group.Key.WorkerConcurrency, group.Key.ClientConcurrency, group.Key.Tenants,
                direct.RequestsPerSecond, pacedRate, Ratio(pacedRate, direct.RequestsPerSecond),
                burst?.RequestsPerSecond, burstRate, burstRate is { } b ? Ratio(b, direct.RequestsPerSecond) : null,
                direct.EndToEnd, paced.EndToEnd, burst?.EndToEnd,
                Math.Round(paced.EndToEnd.P50 - direct.EndToEnd.P50, 3), Math.Round(paced.EndToEnd.P99 - direct.EndToEnd.P99, 3)));
        }

        return comparisons;
    }

    private static double Ratio(double a, double b) => b <= 0 ? 0 : Math.Round(a / b, 4);
}
