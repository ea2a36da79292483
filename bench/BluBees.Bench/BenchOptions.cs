using System.Globalization;

namespace BluBees.Bench;

/// <summary>Command-line options; every default is what <c>bench/README.md</c> documents.</summary>
internal sealed record BenchOptions
{
    public bool Throughput { get; init; } = true;
    public bool Streaming { get; init; } = true;
    public bool Micro { get; init; } = true;
    public bool Fairness { get; init; } = true;
    public bool Stages { get; init; }

    /// <summary>
    /// The engine logs at the deployed levels (src/BluBees.Api/appsettings.json: Information for BluBees, two lines per
    /// event) to the console, instead of at Warning: what those lines cost. Redirect the output to a file.
    /// </summary>
    public bool ProductionLogging { get; init; }
    public int StageEvents { get; init; } = 1_000;
    public double FairnessRate { get; init; } = 10;
    public TimeSpan FairnessSeconds { get; init; } = TimeSpan.FromSeconds(60);
    public bool Quick { get; init; }
    public int Events { get; init; } = 5_000;
    public int Concurrency { get; init; } = 16;
    public IReadOnlyList<int> WorkerConcurrency { get; init; } = [16, 4];
    public int Warmup { get; init; } = 300;

    /// <summary>
    /// Tenants the extra paced and burst phases spread their events over (round-robin); 1 leaves them out. Each
    /// tenant may hold only <c>Runs:PerTenantConcurrency</c> (half of the workers, as the defaults: 8 of 16) at
    /// once, so with few workers the single-tenant phases measure that fairness cap as much as the engine.
    /// </summary>
    public int Tenants { get; init; } = 8;

    /// <summary>Events per second the open-loop phase offers, to measure the ingress acknowledgement at that rate.</summary>
    public int OfferedRate { get; init; } = 1_000;
    public int LatencyEvents { get; init; } = 1_000;
    public IReadOnlyList<int> TransferSizesMiB { get; init; } = [1024, 4096];
    public int TransferRepeat { get; init; } = 2;
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public string MicroJob { get; init; } = "short";
    public string OutputPath { get; init; } = Path.Combine("artifacts", "bench", "results.json");
    public string OutputDirectory => Path.GetDirectoryName(Path.GetFullPath(OutputPath))!;

    /// <summary>What <c>--quick</c> changes (explicit options still win): a few minutes instead of a quarter hour.</summary>
    private static BenchOptions QuickDefaults(BenchOptions o) => o with
    {
        Quick = true,
        Events = 1_000,
        WorkerConcurrency = [16],
        Warmup = 300,
        LatencyEvents = 200,
        TransferSizesMiB = [256, 1024],
        TransferRepeat = 1,
        MicroJob = "quick",
        FairnessSeconds = TimeSpan.FromSeconds(20),
        StageEvents = 300,
    };

    public const string Usage = """
        BluBees benchmarks. dotnet run -c Release --project bench/BluBees.Bench [-- options]
          --throughput          run part 1 (event throughput and added latency)
          --streaming           run part 2 (streaming transfers: engine vs direct copy)
          --micro               run part 3 (BenchmarkDotNet micro-benchmarks)
          --fairness            run part 4 (noisy neighbour: tenant A's third party hangs; tenant B's p99)
                                (none of the four: all of them; any: only those)
          --stages              part 5, only when asked: one event's cost by stage (stopwatch, one at a time)
          --stage-events N      events of part 5                                       default 1000 (quick 300)
          --production-logging  the engine logs at the deployed levels (Information) to stdout, not at Warning
          --quick               short run: 1000 events, workers 16, transfers 256 MiB and 1 GiB once, micro 'quick'
          --events N            events (and direct requests) per measured phase       default 5000
          --concurrency N       client concurrency (in-flight requests)                default 16
          --workers A,B         Runs:WorkerConcurrency values, one backend each        default 16,4
          --offered N           events/s of the open-loop ingress phase (3 s at least) default 1000
          --tenants N           tenants of the extra multi-tenant paced/burst phases  default 8 (1: none)
          --warmup N            events per warm-up round (rounds until the JIT settles) default 300
          --latency-events N    events of the unloaded pair (client concurrency 1)     default 1000
          --sizes A,B           transfer sizes in MiB                                  default 1024,4096
          --repeat N            rounds per transfer size (direct, engine; best kept)   default 2
          --drain-timeout S     seconds to wait for the sink to receive every event     default 300
          --fairness-rate N     events/s each tenant sends in part 4                   default 10
          --fairness-seconds S  seconds each part-4 phase lasts                        default 60 (quick 20)
          --micro-job J         quick | short | medium | dry (BenchmarkDotNet job)     default short
          --out PATH            results JSON                                           default artifacts/bench/results.json
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = args.Contains("--quick") ? QuickDefaults(new BenchOptions()) : new BenchOptions();
        var parts = new[] { "--throughput", "--streaming", "--micro", "--fairness" };
        var any = args.Any(parts.Contains) || args.Contains("--stages");
        o = o with { Stages = args.Contains("--stages"), Throughput = !any || args.Contains("--throughput"), Streaming = !any || args.Contains("--streaming"), Micro = !any || args.Contains("--micro"), Fairness = !any || args.Contains("--fairness") };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--throughput" or "--streaming" or "--micro" or "--fairness" or "--quick" or "--stages" => o,
                "--production-logging" => o with { ProductionLogging = true },
                "--stage-events" => o with { StageEvents = Positive(Next(), "--stage-events") },
                "--fairness-rate" => o with { FairnessRate = Positive(Next(), "--fairness-rate") },
                "--fairness-seconds" => o with { FairnessSeconds = TimeSpan.FromSeconds(Positive(Next(), "--fairness-seconds")) },
                "--events" => o with { Events = Positive(Next(), "--events") },
                "--concurrency" => o with { Concurrency = Positive(Next(), "--concurrency") },
                "--workers" => o with { WorkerConcurrency = List(Next(), "--workers") },
                "--offered" => o with { OfferedRate = Positive(Next(), "--offered") },
                "--tenants" => o with { Tenants = Positive(Next(), "--tenants") },
                "--warmup" => o with { Warmup = Positive(Next(), "--warmup") },
                "--latency-events" => o with { LatencyEvents = Positive(Next(), "--latency-events") },
                "--sizes" => o with { TransferSizesMiB = List(Next(), "--sizes") },
                "--repeat" => o with { TransferRepeat = Positive(Next(), "--repeat") },
                "--drain-timeout" => o with { DrainTimeout = TimeSpan.FromSeconds(Positive(Next(), "--drain-timeout")) },
                "--micro-job" => o with { MicroJob = Next() is "quick" or "short" or "medium" or "dry" ? args[i] : throw new ArgumentException("--micro-job is quick, short, medium or dry") },
                "--out" => o with { OutputPath = Next() },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }

        return o;
    }

    private static int[] List(string text, string name) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => Positive(w, name))];

    private static int Positive(string text, string name)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive whole number, not '{text}'");
}
