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
        // The open-loop phase may have many requests in flight when ingress slows; a pool of 16 connections would
        // queue them in the client and blame the engine for it.
        using var openClient = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = 512,
        })
        { Timeout = TimeSpan.FromSeconds(60) };
        var openRunner = new PhaseRunner(sink, openClient, options.DrainTimeout);
        var queueCapacity = Math.Clamp(2 * options.Events + 3 * options.OfferedRate + 1000, 10_000, 100_000);

        foreach (var workers in options.WorkerConcurrency)
        {
            progress($"worker concurrency {workers}: starting a fresh backend");
            await using var backend = await BenchBackend.StartAsync(issuer, sink, workers, queueCapacity, productionLogging: options.ProductionLogging);
            var tokens = new TokenPool(issuer, backend.TenantId, size: 64);

            // The tenants of the many-tenant phases exist before the warm-up, which runs them too: warmed up on one
            // tenant only, the 8-tenant phase compiled about 400 methods while it was measured.
            TokenPool? spread = null;
            if (options.Tenants > 1)
            {
                var ids = new List<string> { backend.TenantId };
                for (var t = 1; t < options.Tenants; t++)
                {
                    ids.Add(await backend.AddTenantAsync(sink.Address));
                }

                spread = new TokenPool(issuer, ids, size: 8 * options.Tenants);
                _ = spread.Get(0); // minted here, not inside a measured phase
            }

            await WarmUpAsync(runner, backend, tokens, spread, options, workers, progress);

            progress($"worker concurrency {workers}: direct baseline, {options.Events} requests");
            results.Add(await runner.DirectAsync($"direct (next to w{workers})", tokens, options.Events, options.Concurrency, workers));
            progress($"worker concurrency {workers}: engine paced, {options.Events} events");
            results.Add(await runner.EngineAsync($"engine paced w{workers}", backend, tokens, options.Events, options.Concurrency, workers, paced: true));
            progress($"worker concurrency {workers}: engine burst, {options.Events} events");
            results.Add(await runner.EngineAsync($"engine burst w{workers}", backend, tokens, options.Events, options.Concurrency, workers, paced: false));

            var offered = Math.Max(options.Events, 3 * options.OfferedRate);
            progress($"worker concurrency {workers}: ingress at {options.OfferedRate} events/s offered (open loop), {offered} events");
            results.Add(await openRunner.EngineOfferedAsync($"engine offered {options.OfferedRate}/s w{workers}", backend, tokens, offered, options.OfferedRate, workers));

            if (spread is not null)
            {
                // The same two phases over several tenants: the per-tenant cap (Runs:PerTenantConcurrency) no longer
                // binds, so every worker slot can be busy, as on a backend that serves many Jira sites.
                progress($"worker concurrency {workers}: engine paced over {options.Tenants} tenants, {options.Events} events");
                results.Add(await runner.EngineAsync($"engine paced w{workers}, {options.Tenants} tenants", backend, spread, options.Events, options.Concurrency, workers, paced: true));
                progress($"worker concurrency {workers}: engine burst over {options.Tenants} tenants, {options.Events} events");
                results.Add(await runner.EngineAsync($"engine burst w{workers}, {options.Tenants} tenants", backend, spread, options.Events, options.Concurrency, workers, paced: false));
            }

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
        await using (var limited = await BenchBackend.StartAsync(issuer, sink, firstWorkers, queueCapacity, defaultLimits: true, productionLogging: options.ProductionLogging))
        {
            var tokens = new TokenPool(issuer, limited.TenantId, size: 64);
            results.Add(await runner.EngineAsync($"engine paced w{firstWorkers}, {Report.Comparison.DefaultLimitsMarker} (50/s)", limited, tokens, limitedEvents, options.Concurrency, firstWorkers, paced: true));
        }

        return results;
    }

    /// <summary>Rounds of warm-up before any round counts: at most this many.</summary>
    private const int MaxWarmupRounds = 40;

    /// <summary>Quiet rounds in a row that end the warm-up.</summary>
    private const int QuietRoundsNeeded = 2;

    /// <summary>
    /// A pause before each round is counted: tier-1 compiles run on a background thread, and call counting only
    /// starts once no tier-0 compile happened for 100 ms, so a round can look quiet with a batch of promotions due.
    /// </summary>
    private static readonly TimeSpan TierUpPause = TimeSpan.FromMilliseconds(300);

    /// <summary>A round in which the JIT compiled at most this many methods ends the warm-up.</summary>
    private const long QuietJitMethods = 40;

    /// <summary>
    /// Warms up in rounds (<see cref="BenchOptions.Warmup"/> direct requests and as many paced engine events each)
    /// until a round compiles at most <see cref="QuietJitMethods"/> methods. A fixed warm-up left tier-up running
    /// into the measured phases: after 4,000 warm-up events the JIT still compiled about 3,200 methods during the
    /// paced phase, and the tiered-compilation thread took a third of the process's CPU samples (perf record,
    /// 2026-12-03). The engine's steady state is what the phases are meant to measure; each phase still reports
    /// the methods compiled while it ran. One quiet round was not enough: a batch of tier-1 promotions could land in the
    /// paced phase right after it (874 methods compiled in that phase, CPU per event 2.0 ms against 1.1–1.3 ms in
    /// runs where it settled, 2026-12-04 17:40), which made single A/B pairs unreadable; so two quiet rounds in a row,
    /// each counted after a pause for the background compiles.
    /// </summary>
    private static async Task WarmUpAsync(
        PhaseRunner runner, BenchBackend backend, TokenPool tokens, TokenPool? spread, BenchOptions options, int workers, Action<string> progress)
    {
        var quiet = 0;
        for (var round = 1; ; round++)
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            await runner.DirectAsync("warmup-direct", tokens, options.Warmup, options.Concurrency, workers);
            await runner.EngineAsync("warmup-engine", backend, tokens, options.Warmup, options.Concurrency, workers, paced: true);
            await runner.EngineAsync("warmup-engine-burst", backend, tokens, options.Warmup, options.Concurrency, workers, paced: false);
            if (spread is not null)
            {
                await runner.EngineAsync("warmup-engine-tenants", backend, spread, options.Warmup, options.Concurrency, workers, paced: true);
            }

            await Task.Delay(TierUpPause);
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
            progress($"worker concurrency {workers}: warm-up round {round} ({options.Warmup} direct + {(spread is null ? 2 : 3) * options.Warmup} engine events): {jitted} methods compiled");
            quiet = jitted <= QuietJitMethods ? quiet + 1 : 0;
            if (quiet == QuietRoundsNeeded)
            {
                return;
            }

            if (round == MaxWarmupRounds)
            {
                progress($"worker concurrency {workers}: the JIT did not settle in {MaxWarmupRounds} warm-up rounds; measuring anyway (see each phase's methods compiled)");
                return;
            }
        }
    }
}
