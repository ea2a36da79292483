using System.Globalization;
using System.Text;
using BluBees.Bench.Streaming;

namespace BluBees.Bench.Report;

/// <summary>The same tables as the console, as GitHub markdown (<c>results.md</c> beside the JSON), for docs.</summary>
internal static class MarkdownReport
{
    public static async Task WriteAsync(BenchResults r, string path)
    {
        var md = new StringBuilder();
        var m = r.Machine;
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {m.LogicalCores} cores ({m.CpuModel}), {m.Memory} RAM, {m.Os}, {m.Runtime}, {m.Gc} GC. Load average (1/5/15 min) {m.LoadAverageStart} at start, {m.LoadAverageEnd} at end.");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Command: `{r.Command}`").AppendLine();
        if (r.Comparisons.Count > 0)
        {
            md.AppendLine("| worker conc. | client conc. | tenants | direct req/s | engine paced events/s (ratio) | engine burst ingress/s | engine burst completions/s (ratio) | direct send→sink p50 / p99 ms | engine paced p50 / p99 ms | engine adds p50 / p99 ms | engine burst p50 / p99 ms |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var c in r.Comparisons)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {c.WorkerConcurrency} | {c.ClientConcurrency} | {c.Tenants} | {F(c.DirectRequestsPerSecond)} | {F(c.PacedCompletionsPerSecond)} ({F(c.PacedRatio)}×) | {F(c.BurstIngressPerSecond)} | {F(c.BurstCompletionsPerSecond)} ({F(c.BurstRatio)}×) | {F(c.Direct.P50)} / {F(c.Direct.P99)} | {F(c.EnginePaced.P50)} / {F(c.EnginePaced.P99)} | +{F(c.AddedP50Ms)} / +{F(c.AddedP99Ms)} | {F(c.EngineBurst?.P50)} / {F(c.EngineBurst?.P99)} |");
            }

            md.AppendLine().AppendLine("| phase | events | client conc. | req/s | completions/s (steady) | round trip p50 / p99 ms | send→sink p50 / p99 ms | outcomes | missing | CPU ms / event | methods jitted |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
            foreach (var p in r.Phases)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {p.Name} | {p.Events} | {(p.ClientConcurrency == 0 ? "open loop" : p.ClientConcurrency)} | {F(p.RequestsPerSecond)} | {F(p.CompletionsPerSecond)} ({F(p.SteadyCompletionsPerSecond)}) | {F(p.RoundTrip.P50)} / {F(p.RoundTrip.P99)} | {F(p.EndToEnd.P50)} / {F(p.EndToEnd.P99)} | {string.Join(' ', p.Outcomes.Select(o => $"{o.Key}:{o.Value}"))} | {p.Missing} | {F(p.CpuMsPerEvent)} | {p.MethodsJitted} |");
            }

            md.AppendLine();
            foreach (var anchor in r.Anchors.Values)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- Anchor: {anchor}.");
            }
        }

        if (r.Transfers.Count > 0)
        {
            md.AppendLine().AppendLine("| size | direct MB/s | engine MB/s | ratio | direct peak working set | engine peak working set | byte-exact, type and length passed |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---|");
            foreach (var c in r.Streaming)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {ResultsTable.Size(c.Bytes)} | {F(c.DirectMegabytesPerSecond)} | {F(c.EngineMegabytesPerSecond)} | {F(c.Ratio)}× | {ResultsTable.Mib(c.DirectPeakWorkingSet)} | {ResultsTable.Mib(c.EnginePeakWorkingSet)} | {(c.ByteExact ? "yes" : "NO")} |");
            }

            md.AppendLine().AppendLine("| mode | size | seconds | MB/s | working set before | peak working set | status |").AppendLine("|---|---:|---:|---:|---:|---:|---|");
            foreach (var t in r.Transfers)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {t.Mode} | {ResultsTable.Size(t.Bytes)} | {F(t.Seconds)} | {F(t.MegabytesPerSecond)} | {ResultsTable.Mib(t.BaselineWorkingSet)} | {ResultsTable.Mib(t.PeakWorkingSet)} | {t.Status}{(t.Error is null ? "" : " (" + t.Error + ")")} |");
            }

            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"- Anchor: {StreamingComparison.Anchor}.");
        }

        if (r.Fairness is { } f)
        {
            md.AppendLine().AppendLine("| tenant B, events/s per tenant | seconds | workers | alone p50 / p99 ms | beside a hanging tenant A p50 / p99 ms | p99 ratio (target ≤ 2) | missing (alone / beside) |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {F(f.EventsPerSecondPerTenant)} | {F(f.Seconds)} | {f.WorkerConcurrency} | {F(f.Baseline.P50)} / {F(f.Baseline.P99)} | {F(f.Noisy.P50)} / {F(f.Noisy.P99)} | {F(f.P99Ratio)} | {f.BaselineMissing} / {f.NoisyMissing} |");
        }

        if (r.Micro.Count > 0)
        {
            md.AppendLine().AppendLine("| micro-benchmark | mean | median | stddev | allocated / op |").AppendLine("|---|---:|---:|---:|---:|");
            foreach (var b in r.Micro)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {b.Name} | {Ns(b.MeanNs)} | {Ns(b.MedianNs)} | {Ns(b.StdDevNs)} | {(b.AllocatedBytes is { } a ? a.ToString("N0", CultureInfo.InvariantCulture) + " B" : "n/a")} |");
            }
        }

        await File.WriteAllTextAsync(path, md.ToString());
    }

    private static string Ns(double ns) => double.IsNaN(ns) ? "n/a" : ns >= 10_000 ? $"{F(ns / 1000)} µs" : $"{F(ns)} ns";

    private static string F(double? value) => value is { } v && !double.IsNaN(v)
        ? v.ToString(v >= 100 ? "N0" : v >= 0.01 ? "0.###" : "0.####", CultureInfo.InvariantCulture)
        : "n/a";
}
