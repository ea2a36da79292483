using System.Runtime.ExceptionServices;
using System.Threading.RateLimiting;
using BluBees.Engine.Egress;
using BluBees.Engine.Runs;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// The resilience pipeline of one connection revision of one tenant, immutable once built: total timeout, retries
/// (exponential backoff with jitter, honouring <c>Retry-After</c>), a circuit breaker and a concurrency + rate limit
/// per attempt. The breaker and the limiter are state of this instance, so every rule using the connection shares them
/// and no other tenant or connection does.
/// </summary>
public sealed class ConnectionPipeline : IDisposable
{
    private readonly ResiliencePipeline<EgressResponse> _pipeline;
    private readonly ConcurrencyLimiter? _limiter;
    private readonly RequestRate? _rate;

    internal ConnectionPipeline(int revision, ResiliencePolicy policy, TimeProvider time, bool shared)
    {
        Revision = revision;
        Policy = policy;
        var builder = new ResiliencePipelineBuilder<EgressResponse> { TimeProvider = time };
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = policy.Timeout });
        if (policy.MaxRetries > 0)
        {
            builder.AddRetry(PipelineRules.Retry(policy, time));
        }

        if (shared)
        {
            builder.AddCircuitBreaker(PipelineRules.Breaker(policy));
            _rate = new RequestRate(policy.RequestsPerSecond, policy.QueueLimit, time);
            _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = policy.MaxConcurrency, QueueLimit = policy.QueueLimit });
            var (limiter, rate) = (_limiter, _rate);
            builder.AddRateLimiter(new RateLimiterStrategyOptions { RateLimiter = args => AcquireAsync(limiter, rate, args.Context) });
        }

        _pipeline = builder.Build();
    }

    public int Revision { get; }

    public ResiliencePolicy Policy { get; }

    /// <summary>Calls waiting for the concurrency or rate limit (diagnostics and tests).</summary>
    internal long Queued => (_limiter?.GetStatistics()?.CurrentQueuedCount ?? 0) + (_rate?.Waiting ?? 0);

    /// <summary>
    /// Sends through the pipeline. <paramref name="retryable"/>: the method is idempotent or the step sends an
    /// idempotency key. Only the caller's cancellation throws.
    /// </summary>
    public async ValueTask<SendResult> SendAsync(GuardedHttpClient http, EgressRequest request, bool retryable, CancellationToken ct)
    {
        var state = new CallState { Retryable = retryable, MaxRetryAfter = Policy.MaxRetryAfter };
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(CallState.Key, state);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, s) =>
                {
                    s.State.Attempts++;
                    try
                    {
                        return Outcome.FromResult(await s.Http.SendAsync(s.Request, ctx.CancellationToken));
                    }
                    catch (Exception e)
                    {
                        return Outcome.FromException<EgressResponse>(e);
                    }
                },
                context,
                (Http: http, Request: request, State: state));

            string? category = outcome.Exception switch
            {
                null => null,
                _ when ct.IsCancellationRequested => throw new OperationCanceledException(ct),
                BrokenCircuitException => ErrorCategories.CircuitOpen,
                RateLimiterRejectedException => ErrorCategories.RateLimited,
                TimeoutRejectedException => ErrorCategories.Timeout,
                var e => Rethrow(e),
            };
            return new SendResult(outcome.Result, state.Attempts, state.Retries, category == ErrorCategories.CircuitOpen, state.RateLimited || category == ErrorCategories.RateLimited, category);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Dispose()
    {
        _limiter?.Dispose();
    }

    /// <summary>A concurrency permit, then a start in the rate window; either wait marks the call as rate-limited.</summary>
    private static async ValueTask<RateLimitLease> AcquireAsync(ConcurrencyLimiter limiter, RequestRate rate, ResilienceContext context)
    {
        var lease = limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            CallState.Of(context).RateLimited = true;
            lease = await limiter.AcquireAsync(1, context.CancellationToken);
            if (!lease.IsAcquired)
            {
                return lease;
            }
        }

        try
        {
            switch (await rate.StartAsync(context.CancellationToken))
            {
                case RateDecision.Waited:
                    CallState.Of(context).RateLimited = true;
                    break;
                case RateDecision.Refused:
                    CallState.Of(context).RateLimited = true;
                    lease.Dispose();
                    return RefusedLease.Instance;
            }

            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private static string Rethrow(Exception e)
    {
        ExceptionDispatchInfo.Throw(e);
        return null!;
    }
}
