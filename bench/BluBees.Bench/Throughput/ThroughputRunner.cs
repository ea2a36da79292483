using BluBees.Bench.Harness;

namespace BluBees.Bench.Throughput;

/// <summary>
/// Part 1: for each configured worker concurrency, a fresh backend, then (after warm-up) the direct baseline,
/// the paced engine phase and the burst engine phase, each with the same event count and client concurrency,
/// and finally an unloaded pair (direct and paced engine at client concurrency 1).
/// </summary>
internal static class ThroughputRunner
{
    public static async Task<IReadOnlyList<PhaseResult>> RunAsync(BenchOptions options, Action<string> progress)
    {
        var results = new List<PhaseResult>();
        await using var issuer = await BenchIssuer.StartAsync();
        await using var sink = await Sink.StartAsync();
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = options.Concurrency,
        })
        { Timeout = TimeSpan.FromSeconds(60) };
        var runner = new PhaseRunner(sink, client, options.DrainTimeout);
        var queueCapacity = Math.Clamp(options.Events + options.Warmup + 1000, 10_000, 100_000);

        foreach (var workers in options.WorkerConcurrency)
        {
            progress($"worker concurrency {workers}: starting a fresh backend");
            await using var backend = await BenchBackend.StartAsync(issuer, sink, workers, queueCapacity);
            var tokens = new TokenPool(issuer, backend.TenantId, size: 64);

            progress($"worker concurrency {workers}: warm-up ({options.Warmup} direct + {options.Warmup} engine events)");
            await runner.DirectAsync("warmup-direct", tokens, options.Warmup, options.Concurrency, workers);
            await runner.EngineAsync("warmup-engine", backend, tokens, options.Warmup, options.Concurrency, workers, paced: true);

            progress($"worker concurrency {workers}: direct baseline, {options.Events} requests");
            results.Add(await runner.DirectAsync($"direct (next to w{workers})", tokens, options.Events, options.Concurrency, workers));
            progress($"worker concurrency {workers}: engine paced, {options.Events} events");
            results.Add(await runner.EngineAsync($"engine paced w{workers}", backend, tokens, options.Events, options.Concurrency, workers, paced: true));
            progress($"worker concurrency {workers}: engine burst, {options.Events} events");
            results.Add(await runner.EngineAsync($"engine burst w{workers}", backend, tokens, options.Events, options.Concurrency, workers, paced: false));

            // Unloaded: one event at a time, so no queueing; what the engine's own path costs per event.
            progress($"worker concurrency {workers}: unloaded pair (client concurrency 1), {options.LatencyEvents} each");
            results.Add(await runner.DirectAsync($"direct c1 (next to w{workers})", tokens, options.LatencyEvents, 1, workers));
            results.Add(await runner.EngineAsync($"engine paced c1 w{workers}", backend, tokens, options.LatencyEvents, 1, workers, paced: true));
        }

        // The same paced phase on a connection left at its default limits (50 requests/s, 10 in flight): what a
        // rule on an untuned connection gets. Its own line, never mistaken for the engine's throughput.
        var firstWorkers = options.WorkerConcurrency[0];
        var limitedEvents = Math.Min(options.Events, 1_000);
        progress($"default connection limits: engine paced, {limitedEvents} events (capped at 50 requests/s by design)");
        await using (var limited = await BenchBackend.StartAsync(issuer, sink, firstWorkers, queueCapacity, defaultLimits: true))
        {
            var tokens = new TokenPool(issuer, limited.TenantId, size: 64);
            results.Add(await runner.EngineAsync($"engine paced w{firstWorkers}, {Report.Comparison.DefaultLimitsMarker} (50/s)", limited, tokens, limitedEvents, options.Concurrency, firstWorkers, paced: true));
        }

        return results;
    }
}
