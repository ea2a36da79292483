using BluBees.Engine.Connections;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Retention;
using BluBees.Engine.Observability;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Hosting;

public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// Storage options and retention. The store itself is the host's choice: <see cref="EmbeddedProviders.AddSqliteStore"/>
    /// or the DynamoDB store, registered by the provider switch.
    /// </summary>
    public static IServiceCollection AddBluBeesStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddBluBeesRetention(configuration);
        return services;
    }

    /// <summary>Envelope encryption over the chosen <see cref="IKeyEncryptionProvider"/> (local key ring or KMS, registered by the provider switch).</summary>
    public static IServiceCollection AddBluBeesKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyOptions>().Bind(configuration.GetSection(KeyOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyOptions>, KeyOptionsValidator>());
        services.TryAddSingleton<TenantKeyService>();
        services.TryAddSingleton<SecretCipher>();
        return services;
    }

    /// <summary>
    /// Rules, connections, runs, the egress guard and every step kind (<see cref="StepKindsServiceCollectionExtensions.AddStepKinds(IServiceCollection, IConfiguration)"/>). The run queue and whatever consumes it are the host's choice,
    /// registered by the provider switch. TryAdd remains only so that a host or test may supply a shared singleton
    /// (a fake <see cref="TimeProvider"/>, a run processor) first; no implementation choice depends on order.
    /// </summary>
    public static IServiceCollection AddBluBeesEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RunOptions>().Bind(configuration.GetSection(RunOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunOptions>, RunOptionsValidator>());
        services.AddEgress(configuration.GetSection(EgressOptions.SectionName));
        services.TryAddSingleton(TemplateLimits.Default);
        services.AddOptions<TemplateBudgetOptions>().Bind(configuration.GetSection(TemplateBudgetOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TemplateBudgetOptions>, TemplateBudgetOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TemplateBudgets>();
        services.TryAddSingleton<BluBeesMetrics>();
        services.TryAddSingleton<UninstalledInstallations>();
        services.TryAddSingleton<TenantService>();
        services.TryAddSingleton<ConnectionService>();
        services.TryAddSingleton<ConnectionReadCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITenantMemory, ConnectionReadCache>(sp => sp.GetRequiredService<ConnectionReadCache>())); // what an uninstall drops
        services.TryAddSingleton<RotatedRefreshTokens>();
        services.TryAddSingleton<OAuthTokenClient>();
        services.TryAddSingleton<OAuthTokenSlots>();
        services.TryAddSingleton<ITenantCredentialCache>(sp => sp.GetRequiredService<OAuthTokenSlots>());
        services.TryAddSingleton<OAuthTokenProvider>();
        services.TryAddSingleton<Connections.Credentials.ICredentialSource, Connections.Credentials.CredentialSource>();
        services.TryAddSingleton<ConnectionPipelines>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITenantMemory, ConnectionPipelines>(sp => sp.GetRequiredService<ConnectionPipelines>())); // what an uninstall drops
        services.AddOptions<RuleOptions>().Bind(configuration.GetSection(RuleOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RuleOptions>, RuleOptionsValidator>());
        services.TryAddSingleton<RuleCache>();
        services.TryAddSingleton<ITenantDataCache>(sp => sp.GetRequiredService<RuleCache>());
        services.TryAddSingleton<RuleService>();
        services.TryAddSingleton<IRuleRunHistory>(sp => sp.GetRequiredService<RunStore>());
        services.TryAddSingleton<RunStore>();
        services.AddJiraSite(configuration);
        services.AddStepKinds(configuration);
        services.TryAddSingleton<DryRunner>();
        services.TryAddSingleton<RunProcessor>();
        services.TryAddSingleton<IRunProcessor>(sp => sp.GetRequiredService<RunProcessor>());
        services.TryAddSingleton<IngressGate>(sp => new IngressGate(sp.GetService<IHostApplicationLifetime>(), sp.GetService<ILogger<IngressGate>>()));
        services.TryAddSingleton<EventIngestor>();
        return services;
    }
}
