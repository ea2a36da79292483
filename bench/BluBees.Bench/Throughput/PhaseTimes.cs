using System.Collections.Concurrent;
using System.Diagnostics;

namespace BluBees.Bench.Throughput;

/// <summary>Per-request timestamps (Stopwatch ticks) of one phase, written by the driver's workers.</summary>
internal sealed class PhaseTimes(int count)
{
    public long[] Sent { get; } = new long[count];
    public long[] Acked { get; } = new long[count];
    public ConcurrentDictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);
    public int Count => Sent.Length;

    public void Tally(string outcome) => Outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public long FirstSent => Sent.Where(t => t != 0).DefaultIfEmpty(0).Min();

    public long LastAcked => Acked.Where(t => t != 0).DefaultIfEmpty(0).Max();

    public int AckedCount => Acked.Count(t => t != 0);

    /// <summary>Completed operations per second over [first send, <paramref name="end"/>].</summary>
    public static double Rate(int completed, long start, long end)
        => completed == 0 || end <= start ? 0 : Math.Round(completed / Stopwatch.GetElapsedTime(start, end).TotalSeconds, 1);
}
