using System.Runtime.ExceptionServices;
using System.Threading.RateLimiting;
using BluBees.Engine.Egress;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.Timeout;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// The resilience pipeline of one connection revision of one tenant, immutable once built: total timeout, retries
/// (exponential backoff with jitter, honouring <c>Retry-After</c>), a circuit breaker, and per attempt a slot of the
/// connection's <see cref="Bulkhead"/> and a start in its rate window. The breaker, the bulkhead and the rate are state
/// of this instance, so every rule and step kind using the connection shares them and no other tenant or connection
/// does. Transfer and <c>ai.chat</c> steps hold a bulkhead slot for their whole call (<see cref="EnterAsync"/>).
/// </summary>
internal sealed class ConnectionPipeline : IDisposable
{
    private readonly ResiliencePipeline<EgressResponse> _pipeline;
    private readonly Bulkhead? _bulkhead;
    private readonly RequestRate? _rate;

    /// <summary>Polly's <c>pipeline.name</c> for a connection's pipeline; <c>pipeline.instance</c> is the connection id.</summary>
    public const string ConnectionPipelineName = "connection";

    /// <summary>Polly's <c>pipeline.name</c> for the shared pipeline of steps without a connection (no instance).</summary>
    public const string ConnectionlessPipelineName = "connectionless";

    /// <param name="instance">
    /// The connection id (<c>conn_…</c>, generated, never a name, URL or secret), so that Polly's metrics
    /// (meter <c>Polly</c>: retries, breaker, timeouts, rate limits) tell connections apart.
    /// </param>
    internal ConnectionPipeline(int revision, ResiliencePolicy policy, TimeProvider time, bool shared, string? instance = null)
    {
        Revision = revision;
        Policy = policy;
        var builder = new ResiliencePipelineBuilder<EgressResponse>
        {
            TimeProvider = time,
            Name = shared ? ConnectionPipelineName : ConnectionlessPipelineName,
            InstanceName = instance,
        };

        // Metrics only: Polly's logger would write each event's result or exception message, which may name a URL.
        builder.ConfigureTelemetry(new TelemetryOptions { LoggerFactory = NullLoggerFactory.Instance });
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = policy.Timeout });
        if (policy.MaxRetries > 0)
        {
            builder.AddRetry(PipelineRules.Retry(policy, time));
        }

        if (shared)
        {
            builder.AddCircuitBreaker(PipelineRules.Breaker(policy));
            _rate = new RequestRate(policy.RequestsPerSecond, policy.QueueLimit, time);
            _bulkhead = new Bulkhead(policy.MaxConcurrency, policy.QueueLimit, policy.BulkheadWait, time);
            var (bulkhead, rate) = (_bulkhead, _rate);
            builder.AddRateLimiter(new RateLimiterStrategyOptions { RateLimiter = args => AcquireAsync(bulkhead, rate, args.Context) });
        }

        _pipeline = builder.Build();
    }

    public int Revision { get; }

    public ResiliencePolicy Policy { get; }

    /// <summary>Calls waiting for the concurrency or rate limit (diagnostics and tests).</summary>
    internal long Queued => (_bulkhead?.Waiting ?? 0) + (_rate?.Waiting ?? 0);

    /// <summary>Bulkhead slots in use (diagnostics and tests).</summary>
    internal int InFlight => _bulkhead?.InUse ?? 0;

    /// <summary>
    /// A bulkhead slot for a call that does not go through <see cref="SendAsync"/> (a transfer side, an AI call), held
    /// until disposed; null when the bulkhead is full (<c>bulkhead_full</c>). Steps without a connection have no bulkhead.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(CancellationToken ct)
        => _bulkhead is null ? NoSlot.Instance : await _bulkhead.EnterAsync(ct);

    /// <summary>
    /// Sends through the pipeline. <paramref name="retryable"/>: the method is idempotent or the step sends an
    /// idempotency key. Only the caller's cancellation throws.
    /// </summary>
    public async ValueTask<SendResult> SendAsync(GuardedHttpClient http, EgressRequest request, bool retryable, CancellationToken ct)
    {
        var state = new CallState { Retryable = retryable, MaxRetryAfter = Policy.MaxRetryAfter, RunDeadline = RunDeadline.Current, Caller = ct };
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
                RateLimiterRejectedException when state.BulkheadFull => ErrorCategories.BulkheadFull,
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
        // Nothing to release: calls still holding the old revision's bulkhead slots give them back to it when they end.
    }

    /// <summary>A bulkhead slot, then a start in the rate window; either wait marks the call as rate-limited.</summary>
    private static async ValueTask<RateLimitLease> AcquireAsync(Bulkhead bulkhead, RequestRate rate, ResilienceContext context)
    {
        var state = CallState.Of(context);
        var slot = bulkhead.TryEnter();
        if (slot is null)
        {
            state.RateLimited = true;
            slot = await bulkhead.EnterAsync(context.CancellationToken);
        }

        if (slot is null)
        {
            state.BulkheadFull = true;
            return RefusedLease.Instance;
        }

        var lease = new SlotLease(slot);

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

/// <summary>A granted lease that gives its bulkhead slot back when disposed.</summary>
internal sealed class SlotLease(IDisposable slot) : RateLimitLease
{
    public override bool IsAcquired => true;

    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            slot.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The slot of a pipeline without a bulkhead (steps without a connection).</summary>
internal sealed class NoSlot : IDisposable
{
    public static readonly NoSlot Instance = new();

    public void Dispose()
    {
    }
}
