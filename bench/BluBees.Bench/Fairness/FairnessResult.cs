using BluBees.Bench.Throughput;

namespace BluBees.Bench.Fairness;

/// <summary>
/// Tenant B's send→sink latency alone and while tenant A's third party hangs, both at the same offered rate.
/// <see cref="P99Ratio"/> is the noisy p99 over the baseline p99; the target is at most 2.
/// </summary>
internal sealed record FairnessResult(
    double EventsPerSecondPerTenant,
    double Seconds,
    int WorkerConcurrency,
    Latency Baseline,
    int BaselineMissing,
    Latency Noisy,
    int NoisyMissing,
    int NoisyTenantSent,
    double P99Ratio)
{
    public const double Target = 2.0;
}
