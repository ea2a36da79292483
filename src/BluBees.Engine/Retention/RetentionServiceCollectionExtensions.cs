using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Retention;

internal static class RetentionServiceCollectionExtensions
{
    /// <summary>The scheduled purge of expired items (embedded store only) and its validated options.</summary>
    public static IServiceCollection AddBluBeesRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>());
        services.AddHostedService<RetentionService>();
        return services;
    }
}
