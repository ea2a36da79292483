using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Egress;

internal static class EgressServiceCollectionExtensions
{
    /// <summary>
    /// Registers the egress guard: options bound from <paramref name="section"/> (normally <c>Egress</c>) and
    /// validated at start-up, the system resolver unless one is already registered, and the guard and
    /// <see cref="GuardedHttpClient"/> as singletons (one connection pool).
    /// </summary>
    public static IServiceCollection AddEgress(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<EgressOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EgressOptions>, EgressOptionsValidator>());
        services.TryAddSingleton<IEgressResolver, SystemDnsResolver>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EgressGuard>();
        services.TryAddSingleton<GuardedHttpClient>();
        return services;
    }
}
