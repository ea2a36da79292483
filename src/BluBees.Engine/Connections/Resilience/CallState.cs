using Polly;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>What the pipeline decided during one call; read back into the step's run metadata.</summary>
internal sealed class CallState
{
    public static readonly ResiliencePropertyKey<CallState> Key = new("blubees.call");

    public bool Retryable { get; init; }

    /// <summary>The caller's own token: a cancellation that is not the caller's is the total timeout cutting an attempt.</summary>
    public CancellationToken Caller { get; init; }

    public TimeSpan MaxRetryAfter { get; init; }

    /// <summary>The deadline of the run making the call (<see cref="Execution.RunDeadline"/>): no Retry-After wait past it.</summary>
    public DateTimeOffset? RunDeadline { get; init; }

    public int Attempts { get; set; }

    public int Retries { get; set; }

    public bool RateLimited { get; set; }

    /// <summary>The connection's bulkhead had no slot within its bound: the attempt was refused, not made.</summary>
    public bool BulkheadFull { get; set; }

    public static CallState Of(ResilienceContext context) => context.Properties.GetValue(Key, null!);
}
