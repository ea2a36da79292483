using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Infrastructure;

/// <summary>How many of one tenant's <c>/api</c> requests are answered at once, and how many more wait (section <c>Api</c>).</summary>
internal sealed class ApiShareOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Requests of one tenant answered at once (default 16). Every tenant's saves share the store's write lock, and
    /// their permission checks and Jira reads share the process: without a bound, one tenant's script sending hundreds
    /// at once made every other tenant's requests (and event accepts) wait behind them.
    /// </summary>
    [Range(1, 1024)]
    public int PerTenantRequestsInFlight { get; set; } = 16;

    /// <summary>
    /// Requests of one tenant that wait, oldest first, for one of its slots (default 256): a page that loads many
    /// things at once is served, one by one. One more is answered 429 with <c>Retry-After</c> at once.
    /// </summary>
    [Range(0, 100_000)]
    public int PerTenantRequestsQueued { get; set; } = 256;
}

/// <summary>Source-generated validation of <see cref="ApiShareOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class ApiShareOptionsValidator : IValidateOptions<ApiShareOptions>;

/// <summary>
/// Each tenant's share of the <c>/api</c> routes (<see cref="ApiShareOptions"/>): the tenant is the one the verified
/// Forge token named (set by authentication, never read from the request), so a share cannot be spent by another
/// tenant. A request over its tenant's share and queue is answered 429 before its route runs (nothing read, nothing
/// written); one whose caller goes away while it waits is dropped from the queue.
/// </summary>
internal sealed partial class TenantRequestShares : IDisposable
{
    /// <summary>Seconds a refused caller should wait (also sent as <c>Retry-After</c>): a request of the tenant's own finishing.</summary>
    public const int RetryAfterSeconds = 1;

    private readonly PartitionedRateLimiter<TenantId> _limiter;
    private readonly BluBeesMetrics _metrics;
    private readonly ILogger<TenantRequestShares> _logger;

    public TenantRequestShares(IOptions<ApiShareOptions> options, BluBeesMetrics metrics, ILogger<TenantRequestShares> logger)
    {
        var o = options.Value;
        _metrics = metrics;
        _logger = logger;
        _limiter = PartitionedRateLimiter.Create<TenantId, TenantId>(tenant => RateLimitPartition.GetConcurrencyLimiter(tenant, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = o.PerTenantRequestsInFlight,
            QueueLimit = o.PerTenantRequestsQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
    }

    /// <summary>Runs <paramref name="next"/> within the tenant's share, or answers 429 when the share and its queue are full.</summary>
    public async Task RunAsync(HttpContext context, TenantId tenant, RequestDelegate next)
    {
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(tenant, 1, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the caller went away while waiting: nothing ran, and there is no one to answer
        }

        using (lease)
        {
            if (!lease.IsAcquired)
            {
                _metrics.TenantRequestRefused();
                LogRefused(_logger, tenant.Value, context.Request.Method, context.GetEndpoint()?.DisplayName ?? "unknown");
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Write(context, StatusCodes.Status429TooManyRequests, "Too many requests",
                    "This site already has as many requests in progress and waiting as it may; try again in a moment.");
                return;
            }

            await next(context);
        }
    }

    /// <summary>The tenant's requests waiting for a slot now (what operators and tests can see of the queue).</summary>
    public long Waiting(TenantId tenant) => _limiter.GetStatistics(tenant)?.CurrentQueuedCount ?? 0;

    public void Dispose() => _limiter.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: a {Method} to {Endpoint} was answered 429, its requests in flight and waiting being at Api:PerTenantRequestsInFlight and Api:PerTenantRequestsQueued")]
    private static partial void LogRefused(ILogger logger, string tenantId, string method, string endpoint);
}

internal static class TenantRequestSharesSetup
{
    public static IServiceCollection AddTenantRequestShares(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiShareOptions>().Bind(configuration.GetSection(ApiShareOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiShareOptions>, ApiShareOptionsValidator>());
        services.TryAddSingleton<TenantRequestShares>();
        return services;
    }

    /// <summary>Marks routes whose requests count against their tenant's share (the <c>/api</c> group).</summary>
    public static TBuilder SharedPerTenant<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Marker.Instance);

    /// <summary>
    /// After authorization (the tenant is the verified one; a caller refused never waits) and before the route. The
    /// shares are made at the first <c>/api</c> request, not at start: start-up and the event path never build them.
    /// </summary>
    public static IApplicationBuilder UseTenantRequestShares(this IApplicationBuilder app) => app.Use(static (context, next) =>
        context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null && context.Features.Get<TenantContext>() is { } tenant
            ? context.RequestServices.GetRequiredService<TenantRequestShares>().RunAsync(context, tenant.Id, next)
            : next(context));

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
