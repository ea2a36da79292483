using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps;

public static class StepKindsServiceCollectionExtensions
{
    /// <summary>
    /// Every kind in <see cref="StepKinds.All"/> registers its executor and its own services: the only place executors
    /// are registered, so a kind's entry in the list is what makes it runnable.
    /// </summary>
    public static IServiceCollection AddStepKinds(this IServiceCollection services, IConfiguration configuration)
        => services.AddStepKinds(configuration, StepKinds.All);

    /// <summary>The given kinds only (the tests use it to show that a kind left out has no executor).</summary>
    internal static IServiceCollection AddStepKinds(this IServiceCollection services, IConfiguration configuration, IEnumerable<IStepKind> kinds)
    {
        // A composition may call this twice (AddBluBeesEngine is idempotent); the Jira kinds share one executor type,
        // so TryAddEnumerable cannot keep their executors single, and the marker does it for all kinds instead.
        if (services.Any(d => d.ServiceType == typeof(Registered)))
        {
            return services;
        }

        services.AddSingleton<Registered>();
        foreach (var kind in kinds)
        {
            kind.AddServices(services, configuration);
        }

        return services;
    }

    /// <summary>The marker that the kinds are registered (internal so that a test may compose a subset of kinds).</summary>
    internal sealed class Registered;
}
