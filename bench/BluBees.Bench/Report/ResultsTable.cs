using System.Globalization;
using BluBees.Bench.Micro;
using BluBees.Bench.Streaming;
using BluBees.Bench.Throughput;
using Spectre.Console;

namespace BluBees.Bench.Report;

/// <summary>The console report: phases, the engine against direct (with the published anchors), micro-benchmarks.</summary>
internal static class ResultsTable
{
    public static void Print(BenchResults results)
    {
        var m = results.Machine;
        AnsiConsole.MarkupLineInterpolated($"[bold]Machine[/]: {m.LogicalCores} cores, {m.CpuModel}, {m.Memory}, {m.Os}, {m.Runtime}, {m.Gc} GC; load {m.LoadAverageStart} -> {m.LoadAverageEnd}");
        if (results.Phases.Count > 0)
        {
            AnsiConsole.Write(Phases(results.Phases));
            AnsiConsole.Write(Comparisons(results.Comparisons));
            foreach (var anchor in results.Anchors.Values)
            {
                AnsiConsole.MarkupLineInterpolated($"  anchor: {anchor}");
            }
        }

        if (results.Transfers.Count > 0)
        {
            AnsiConsole.Write(Transfers(results.Transfers));
            AnsiConsole.Write(Streaming(results.Streaming));
            AnsiConsole.MarkupLineInterpolated($"  anchor: {StreamingComparison.Anchor}");
        }

        if (results.Fairness is { } f)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]Part 4 — noisy neighbour[/] ({F(f.EventsPerSecondPerTenant)} events/s per tenant, {F(f.Seconds)} s, {f.WorkerConcurrency} workers): tenant B p50/p99 alone {F(f.Baseline.P50)} / {F(f.Baseline.P99)} ms, beside a hanging tenant A {F(f.Noisy.P50)} / {F(f.Noisy.P99)} ms; p99 ratio {F(f.P99Ratio)} (target ≤ {F(FairnessTarget)}); missing {f.BaselineMissing} / {f.NoisyMissing}");
        }

        if (results.Micro.Count > 0)
        {
            AnsiConsole.Write(Micro(results.Micro));
        }
    }

    private const double FairnessTarget = BluBees.Bench.Fairness.FairnessResult.Target;

    private static Table Phases(IReadOnlyList<PhaseResult> phases)
    {
        var table = new Table().Title("Part 1 — phases (ms; rates per second)")
            .AddColumns("phase", "events", "client conc.", "req/s (ingress or direct)", "completions/s (steady)", "round trip p50/p99", "send→sink p50/p99", "outcomes", "missing", "CPU ms/event", "jitted");
        foreach (var p in phases)
        {
            table.AddRow(
                Markup.Escape(p.Name), N(p.Events), p.ClientConcurrency == 0 ? "open loop" : N(p.ClientConcurrency), F(p.RequestsPerSecond),
                $"{F(p.CompletionsPerSecond)} ({F(p.SteadyCompletionsPerSecond)})",
                $"{F(p.RoundTrip.P50)} / {F(p.RoundTrip.P99)}", $"{F(p.EndToEnd.P50)} / {F(p.EndToEnd.P99)}",
                Markup.Escape(string.Join(' ', p.Outcomes.Select(o => $"{o.Key}:{o.Value}"))), N(p.Missing), F(p.CpuMsPerEvent), p.MethodsJitted?.ToString(CultureInfo.InvariantCulture) ?? "-");
        }

        return table;
    }

    private static Table Comparisons(IReadOnlyList<Comparison> comparisons)
    {
        var table = new Table().Title("Part 1 — engine vs direct HttpClient to the same sink (same body, same client concurrency)")
            .AddColumns("worker conc.", "client conc.", "tenants", "direct req/s", "engine paced events/s (ratio)", "engine burst: ingress/s, completions/s (ratio)",
                "direct send→sink p50/p99", "engine paced p50/p99", "engine adds p50/p99", "engine burst p50/p99 (queueing)");
        foreach (var c in comparisons)
        {
            table.AddRow(
                N(c.WorkerConcurrency), N(c.ClientConcurrency), N(c.Tenants), F(c.DirectRequestsPerSecond), $"{F(c.PacedCompletionsPerSecond)} ({F(c.PacedRatio)}x)",
                c.BurstRatio is null ? "-" : $"{F(c.BurstIngressPerSecond)}, {F(c.BurstCompletionsPerSecond)} ({F(c.BurstRatio)}x)",
                $"{F(c.Direct.P50)} / {F(c.Direct.P99)}", $"{F(c.EnginePaced.P50)} / {F(c.EnginePaced.P99)}",
                $"+{F(c.AddedP50Ms)} / +{F(c.AddedP99Ms)}", c.EngineBurst is { } b ? $"{F(b.P50)} / {F(b.P99)}" : "-");
        }

        return table;
    }

    private static Table Transfers(IReadOnlyList<TransferResult> transfers)
    {
        var table = new Table().Title("Part 2 — streaming transfers, one child process each (MB = 10^6 bytes; working set in MiB)")
            .AddColumns("mode", "size", "seconds", "MB/s", "working set before", "peak working set", "byte-exact", "type/length passed", "status");
        foreach (var t in transfers)
        {
            table.AddRow(
                t.Mode, Size(t.Bytes), F(t.Seconds), F(t.MegabytesPerSecond), Mib(t.BaselineWorkingSet), Mib(t.PeakWorkingSet),
                t.ByteExact ? "yes" : "NO", $"{(t.ContentTypePassed ? "yes" : "no")}/{(t.ContentLengthPassed ? "yes" : "no")}",
                Markup.Escape(t.Error is null ? t.Status : $"{t.Status} ({t.Error})"));
        }

        return table;
    }

    private static Table Streaming(IReadOnlyList<StreamingComparison> comparisons)
    {
        var table = new Table().Title("Part 2 — engine transfer vs direct source-to-sink copy")
            .AddColumns("size", "direct MB/s", "engine MB/s", "ratio", "direct peak WS", "engine peak WS", "all byte-exact");
        foreach (var c in comparisons)
        {
            table.AddRow(Size(c.Bytes), F(c.DirectMegabytesPerSecond), F(c.EngineMegabytesPerSecond), $"{F(c.Ratio)}x", Mib(c.DirectPeakWorkingSet), Mib(c.EnginePeakWorkingSet), c.ByteExact ? "yes" : "NO");
        }

        return table;
    }

    internal static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.##} GiB" : $"{bytes / (double)(1L << 20):0.##} MiB";

    internal static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    private static Table Micro(IReadOnlyList<MicroResult> micro)
    {
        var table = new Table().Title("Part 3 — micro-benchmarks (BenchmarkDotNet, in-process)").AddColumns("benchmark", "mean", "median", "stddev", "allocated/op");
        foreach (var r in micro)
        {
            table.AddRow(Markup.Escape(r.Name), Time(r.MeanNs), Time(r.MedianNs), Time(r.StdDevNs), r.AllocatedBytes is { } b ? $"{N(b)} B" : "n/a");
        }

        return table;
    }

    private static string Time(double ns) => double.IsNaN(ns) ? "n/a" : ns >= 10_000 ? $"{F(ns / 1000)} µs" : $"{F(ns)} ns";

    private static string F(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString(v >= 100 ? "N0" : v >= 0.01 ? "0.###" : "0.####", CultureInfo.InvariantCulture) : "n/a";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
