using BluBees.Engine.Egress;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>What counts as transient, and the retry and breaker options built from a policy.</summary>
internal static class PipelineRules
{
    public static RetryStrategyOptions<EgressResponse> Retry(ResiliencePolicy policy, TimeProvider time) => new()
    {
        MaxRetryAttempts = policy.MaxRetries,
        Delay = policy.RetryDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context, time)),
        DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
            RetryAfter.TryGet(args.Outcome.Result, time.GetUtcNow(), out var wait) ? wait : null),
        OnRetry = static args =>
        {
            CallState.Of(args.Context).Retries++;
            return default;
        },
    };

    public static CircuitBreakerStrategyOptions<EgressResponse> Breaker(ResiliencePolicy policy) => new()
    {
        FailureRatio = policy.BreakerFailureRatio,
        MinimumThroughput = policy.BreakerMinimumThroughput,
        SamplingDuration = policy.BreakerSampling,
        BreakDuration = policy.BreakerBreak,
        // An attempt cut by the total timeout ends as a cancellation, not a response: it is the host hanging too.
        ShouldHandle = static args => ValueTask.FromResult(
            args.Outcome.Result is { } r ? IsServerFailure(r)
            : args.Outcome.Exception is OperationCanceledException && !CallState.Of(args.Context).Caller.IsCancellationRequested),
    };

    /// <summary>
    /// Retried: 408, 429, 5xx gateway-type statuses, timeouts and connection failures, for retryable calls; a refused
    /// connection (nothing was sent) for any call. A Retry-After beyond the connection's maximum, or one that would end
    /// at or after the run's deadline (<see cref="CallState.RunDeadline"/>: the deadline would cut the wait), is not
    /// waited for: the step ends now with the answer it has (a 429 is the step's <c>http_4xx</c>).
    /// </summary>
    private static bool ShouldRetry(Outcome<EgressResponse> outcome, ResilienceContext context, TimeProvider time)
    {
        if (outcome.Result is not { } response)
        {
            return false;
        }

        var state = CallState.Of(context);
        if (!(state.Retryable || response.Failure == EgressFailure.Refused) || !(IsServerFailure(response) || response.StatusCode is 408 or 429))
        {
            return false;
        }

        var now = time.GetUtcNow();
        return !RetryAfter.TryGet(response, now, out var wait) || wait <= state.MaxRetryAfter && (state.RunDeadline is not { } end || now + wait < end);
    }

    /// <summary>What the breaker counts: the host failing, not the request being wrong.</summary>
    public static bool IsServerFailure(EgressResponse response) => response.Failure switch
    {
        EgressFailure.None => response.StatusCode is 500 or 502 or 503 or 504,
        EgressFailure.Timeout or EgressFailure.ConnectionFailed or EgressFailure.Refused => true,
        _ => false,
    };
}
