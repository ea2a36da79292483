using BluBees.Api.Infrastructure;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Admin;

/// <summary>
/// The dry runs each tenant has in flight, against <see cref="DryRunOptions.PerTenantConcurrency"/>. A dry run renders
/// templates and evaluates conditions in the request itself (no worker, no queue), each bounded only by its own
/// budget, so one tenant sending many at once held as many threads and as much CPU as it liked while every other
/// tenant's dry runs, API calls and runs waited (and a run's render budget, measured in elapsed time, could run out
/// meanwhile). A slot is taken before the body is read and given back when the answer is ready.
/// </summary>
internal sealed class DryRunGate(IOptions<DryRunOptions> options)
{
    /// <summary>Seconds a refused caller should wait (also sent as <c>Retry-After</c>): about one dry run's render budget.</summary>
    public const int RetryAfterSeconds = 5;

    private readonly Dictionary<TenantId, int> _inFlight = [];

    /// <summary>A slot of the tenant's share (dispose it to give it back), or null when the tenant's share is in use.</summary>
    public IDisposable? TryEnter(TenantId tenant)
    {
        lock (_inFlight)
        {
            var held = _inFlight.GetValueOrDefault(tenant);
            if (held >= options.Value.PerTenantConcurrency)
            {
                return null;
            }

            _inFlight[tenant] = held + 1;
            return new Slot(this, tenant);
        }
    }

    /// <summary>The 429 a refused dry run is answered with.</summary>
    public static TooManyRequestsProblem Refused() => Problems.TooManyRequests(
        "Too many dry runs",
        "This site already has as many dry runs in progress as it may run at once; try again when one has finished.",
        RetryAfterSeconds);

    private void Leave(TenantId tenant)
    {
        lock (_inFlight)
        {
            var held = _inFlight.GetValueOrDefault(tenant);
            if (held <= 1)
            {
                _inFlight.Remove(tenant); // nothing kept for a tenant with none in flight
            }
            else
            {
                _inFlight[tenant] = held - 1;
            }
        }
    }

    private sealed class Slot(DryRunGate gate, TenantId tenant) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Leave(tenant);
            }
        }
    }
}

internal static class DryRunSetup
{
    public static IServiceCollection AddDryRunLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DryRunOptions>().Bind(configuration.GetSection(DryRunOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DryRunOptions>, DryRunOptionsValidator>());
        services.TryAddSingleton<DryRunGate>();
        return services;
    }
}
