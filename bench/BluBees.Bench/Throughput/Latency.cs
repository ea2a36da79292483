using System.Diagnostics;

namespace BluBees.Bench.Throughput;

/// <summary>Latency percentiles in milliseconds (nearest rank over every sample, no sampling).</summary>
internal sealed record Latency(int Samples, double Mean, double P50, double P90, double P99, double Max)
{
    public static Latency From(List<double> millis)
    {
        if (millis.Count == 0)
        {
            return new Latency(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        millis.Sort();
        return new Latency(millis.Count, Math.Round(millis.Average(), 3), At(millis, 0.50), At(millis, 0.90), At(millis, 0.99), Math.Round(millis[^1], 3));
    }

    /// <summary>Milliseconds between two <see cref="Stopwatch"/> timestamps, for every index where both are set.</summary>
    public static Latency Between(ReadOnlySpan<long> from, ReadOnlySpan<long> to)
    {
        var millis = new List<double>(from.Length);
        for (var i = 0; i < from.Length; i++)
        {
            if (from[i] != 0 && to[i] != 0)
            {
                millis.Add(Stopwatch.GetElapsedTime(from[i], to[i]).TotalMilliseconds);
            }
        }

        return From(millis);
    }

    private static double At(List<double> sorted, double q)
        => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)], 3);
}
