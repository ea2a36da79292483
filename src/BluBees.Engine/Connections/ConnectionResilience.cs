using BluBees.Engine.Validation;

namespace BluBees.Engine.Connections;

/// <summary>
/// Per-connection resilience settings as configured (every field optional; null means the default).
/// <see cref="Resolve"/> turns them into the effective <see cref="Resilience.ResiliencePolicy"/>.
/// </summary>
public sealed record ConnectionResilience
{
    /// <summary>Whole call, retries and their waits included. 1–300 s, default 60.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>One attempt (capped by the step's own <c>timeoutSeconds</c>). 1–60 s, default 30.</summary>
    public int? AttemptTimeoutSeconds { get; init; }

    /// <summary>Retries after the first attempt. 0–5, default 2.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>Base delay of the exponential backoff (with jitter). 0–10000 ms, default 500.</summary>
    public int? RetryDelayMs { get; init; }

    /// <summary>A <c>Retry-After</c> longer than this is not waited for: the step fails instead. 0–300 s, default 30.</summary>
    public int? MaxRetryAfterSeconds { get; init; }

    /// <summary>
    /// Share of failed calls (500, 502, 503, 504, timeouts, connection failures) in the sampling window that opens the breaker.
    /// 0.1–1.0, default 0.5.
    /// </summary>
    public double? BreakerFailureRatio { get; init; }

    /// <summary>
    /// Calls needed in the window before the breaker may open. 2–1000, default 3: a hanging host gives few calls (each
    /// one waits for a timeout, and the bulkhead lets few run), so a high minimum would never be reached.
    /// </summary>
    public int? BreakerMinimumThroughput { get; init; }

    /// <summary>The breaker's sampling window. 1–600 s, default 60.</summary>
    public int? BreakerSamplingSeconds { get; init; }

    /// <summary>How long the breaker stays open before one trial call. 1–600 s, default 30.</summary>
    public int? BreakerBreakSeconds { get; init; }

    /// <summary>
    /// The connection's bulkhead: requests in flight at once, over every rule and step kind using the connection (per
    /// worker process). 1–100, default 2, so one hanging host holds at most two workers.
    /// </summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Requests started per second, over every rule using the connection. 1–10000, default 50.</summary>
    public int? RequestsPerSecond { get; init; }

    /// <summary>
    /// Requests that may wait for the bulkhead or the rate limit; more are refused (<c>bulkhead_full</c> or
    /// <c>rate_limited</c>). 0–1000, default 100.
    /// </summary>
    public int? QueueLimit { get; init; }

    /// <summary>
    /// Longest wait for a bulkhead slot; then the call fails with <c>bulkhead_full</c> instead of holding its worker.
    /// 0–10000 ms (0: no waiting), default 1000.
    /// </summary>
    public int? BulkheadWaitMs { get; init; }

    public Resilience.ResiliencePolicy Resolve() => new(
        TimeSpan.FromSeconds(TimeoutSeconds ?? 60),
        TimeSpan.FromSeconds(AttemptTimeoutSeconds ?? 30),
        MaxRetries ?? 2,
        TimeSpan.FromMilliseconds(RetryDelayMs ?? 500),
        TimeSpan.FromSeconds(MaxRetryAfterSeconds ?? 30),
        BreakerFailureRatio ?? 0.5,
        BreakerMinimumThroughput ?? 3,
        TimeSpan.FromSeconds(BreakerSamplingSeconds ?? 60),
        TimeSpan.FromSeconds(BreakerBreakSeconds ?? 30),
        MaxConcurrency ?? 2,
        RequestsPerSecond ?? 50,
        QueueLimit ?? 100,
        TimeSpan.FromMilliseconds(BulkheadWaitMs ?? 1000));

    /// <summary>Adds an error per out-of-range field, keyed <c>resilience.&lt;field&gt;</c>.</summary>
    public void Validate(ValidationErrors errors)
    {
        Range(errors, "timeoutSeconds", TimeoutSeconds, 1, 300);
        Range(errors, "attemptTimeoutSeconds", AttemptTimeoutSeconds, 1, 60);
        Range(errors, "maxRetries", MaxRetries, 0, 5);
        Range(errors, "retryDelayMs", RetryDelayMs, 0, 10_000);
        Range(errors, "maxRetryAfterSeconds", MaxRetryAfterSeconds, 0, 300);
        if (BreakerFailureRatio is { } ratio && (double.IsNaN(ratio) || ratio < 0.1 || ratio > 1.0))
        {
            errors.Add("resilience.breakerFailureRatio", "must be from 0.1 to 1.0");
        }

        Range(errors, "breakerMinimumThroughput", BreakerMinimumThroughput, 2, 1000);
        Range(errors, "breakerSamplingSeconds", BreakerSamplingSeconds, 1, 600);
        Range(errors, "breakerBreakSeconds", BreakerBreakSeconds, 1, 600);
        Range(errors, "maxConcurrency", MaxConcurrency, 1, 100);
        Range(errors, "requestsPerSecond", RequestsPerSecond, 1, 10_000);
        Range(errors, "queueLimit", QueueLimit, 0, 1000);
        Range(errors, "bulkheadWaitMs", BulkheadWaitMs, 0, 10_000);
        if (AttemptTimeoutSeconds is { } attempt && TimeoutSeconds is { } total && attempt > total)
        {
            errors.Add("resilience.attemptTimeoutSeconds", "must not exceed timeoutSeconds");
        }
    }

    private static void Range(ValidationErrors errors, string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add("resilience." + field, $"must be from {min} to {max}");
        }
    }
}
