namespace BluBees.Engine.Connections.Resilience;

/// <summary>The effective, validated resilience settings of one connection revision.</summary>
public sealed record ResiliencePolicy(
    TimeSpan Timeout,
    TimeSpan AttemptTimeout,
    int MaxRetries,
    TimeSpan RetryDelay,
    TimeSpan MaxRetryAfter,
    double BreakerFailureRatio,
    int BreakerMinimumThroughput,
    TimeSpan BreakerSampling,
    TimeSpan BreakerBreak,
    int MaxConcurrency,
    int RequestsPerSecond,
    int QueueLimit,
    TimeSpan BulkheadWait)
{
    public static readonly ResiliencePolicy Default = new ConnectionResilience().Resolve();
}
