using System.Diagnostics;
using BluBees.Bench.Harness;

namespace BluBees.Bench.Throughput;

/// <summary>Turns a phase's timestamps and the sink's arrivals into a <see cref="PhaseResult"/>.</summary>
internal static class PhaseAnalysis
{
    public static PhaseResult Analyze(string name, string kind, int concurrency, int workers, PhaseTimes times, ArrivalRecorder arrivals, bool roundTripIsIngress)
    {
        var start = times.FirstSent;
        var arrived = arrivals.Arrivals;
        var sorted = arrived.ToArray().Where(t => t != 0).Order().ToArray();
        var lastArrival = sorted.Length == 0 ? 0 : sorted[^1];
        var end = Math.Max(times.LastAcked, lastArrival);
        var accepted = roundTripIsIngress ? times.Outcomes.GetValueOrDefault("202") : times.AckedCount;
        double? steady = null;
        if (sorted.Length >= 20)
        {
            var p10 = sorted[(int)(sorted.Length * 0.1)];
            var p90 = sorted[(int)(sorted.Length * 0.9) - 1];
            steady = PhaseTimes.Rate((int)(sorted.Length * 0.9) - (int)(sorted.Length * 0.1), p10, p90);
        }

        return new PhaseResult
        {
            Name = name,
            Kind = kind,
            Events = times.Count,
            ClientConcurrency = concurrency,
            WorkerConcurrency = workers,
            DurationSeconds = Math.Round(Stopwatch.GetElapsedTime(start, end).TotalSeconds, 3),
            RequestsPerSecond = PhaseTimes.Rate(accepted, start, times.LastAcked),
            RoundTrip = Latency.Between(times.Sent, times.Acked),
            CompletionsPerSecond = PhaseTimes.Rate(sorted.Length, start, lastArrival),
            SteadyCompletionsPerSecond = steady,
            EndToEnd = Latency.Between(times.Sent, arrived),
            Outcomes = new SortedDictionary<string, int>(times.Outcomes, StringComparer.Ordinal),
            Missing = times.Count - arrivals.Count,
            DuplicateArrivals = arrivals.Duplicates,
            ArrivalsPerSecond = Buckets(start, sorted),
        };
    }

    private static int[] Buckets(long start, long[] sortedArrivals)
    {
        if (sortedArrivals.Length == 0)
        {
            return [];
        }

        var buckets = new int[(int)Stopwatch.GetElapsedTime(start, sortedArrivals[^1]).TotalSeconds + 1];
        foreach (var t in sortedArrivals)
        {
            buckets[Math.Clamp((int)Stopwatch.GetElapsedTime(start, t).TotalSeconds, 0, buckets.Length - 1)]++;
        }

        return buckets;
    }
}
