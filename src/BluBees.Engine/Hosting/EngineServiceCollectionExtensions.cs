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
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Hosting;

public static class EngineServiceCollectionExtensions
{
    /// <summary>Storage (embedded SQLite unless a production store was registered first) and validated options.</summary>
    public static IServiceCollection AddBluBeesStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStore, SqliteStore>();
        services.AddBluBeesRetention(configuration);
        return services;
    }

    /// <summary>Envelope encryption: the local key ring unless a KMS provider was registered first.</summary>
    public static IServiceCollection AddBluBeesKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyOptions>().Bind(configuration.GetSection(KeyOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyOptions>, KeyOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var keys = sp.GetRequiredService<IOptions<KeyOptions>>().Value;
            return new LocalKeyRing(Path.Combine(storage.DataDirectory, keys.LocalKeyFile));
        });
        services.TryAddSingleton<IKeyEncryptionProvider>(sp => new LocalKeyEncryptionProvider(sp.GetRequiredService<LocalKeyRing>()));
        services.TryAddSingleton<TenantKeyService>();
        services.TryAddSingleton<SecretCipher>();
        return services;
    }

    /// <summary>Rules, connections, runs, the egress guard and (unless another queue is registered) the in-process worker.</summary>
    public static IServiceCollection AddBluBeesEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RunOptions>().Bind(configuration.GetSection(RunOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddEgress(configuration.GetSection(EgressOptions.SectionName));
        services.TryAddSingleton(TemplateLimits.Default);
        services.AddOptions<TemplateBudgetOptions>().Bind(configuration.GetSection(TemplateBudgetOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TemplateBudgets>();
        services.TryAddSingleton<BluBeesMetrics>();
        services.TryAddSingleton<TenantService>();
        services.TryAddSingleton<ConnectionService>();
        services.TryAddSingleton<RotatedRefreshTokens>();
        services.TryAddSingleton<OAuthTokenClient>();
        services.TryAddSingleton<OAuthTokenProvider>();
        services.TryAddSingleton<Connections.Credentials.ICredentialSource, Connections.Credentials.CredentialSource>();
        services.TryAddSingleton<ConnectionPipelines>();
        services.TryAddSingleton<RuleCache>();
        services.TryAddSingleton<ITenantDataCache>(sp => sp.GetRequiredService<RuleCache>());
        services.TryAddSingleton<RuleService>();
        services.TryAddSingleton<IRuleRunHistory>(sp => sp.GetRequiredService<RunStore>());
        services.TryAddSingleton<RunStore>();
        services.TryAddSingleton<HttpStepExecutor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, HttpStepExecutor>(sp => sp.GetRequiredService<HttpStepExecutor>()));
        services.AddJiraSteps(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, Steps.Ai.AiStepExecutor>());
        services.AddTransferSteps(configuration);
        services.TryAddSingleton<DryRunner>();
        services.TryAddSingleton<RunProcessor>();
        services.TryAddSingleton<IRunProcessor>(sp => sp.GetRequiredService<RunProcessor>());
        services.TryAddSingleton<IngressGate>(sp => new IngressGate(sp.GetService<IHostApplicationLifetime>()));
        services.TryAddSingleton<EventIngestor>();
        if (!services.Any(d => d.ServiceType == typeof(IRunQueue)))
        {
            // The embedded default (Queue:Provider=InProcess): durable, in the SQLite database, run by this process.
            services.AddSingleton<SqliteRunQueue>();
            services.AddSingleton<IRunQueue>(sp => sp.GetRequiredService<SqliteRunQueue>());
            services.AddHostedService<RunWorker>();
            // The host must give the worker its drain deadline (and a margin to record and release) on shutdown.
            services.AddOptions<HostOptions>().Configure<IOptions<RunOptions>>((host, runs) =>
            {
                var needed = TimeSpan.FromSeconds(runs.Value.DrainSeconds + 10);
                if (host.ShutdownTimeout < needed)
                {
                    host.ShutdownTimeout = needed;
                }
            });
        }

        return services;
    }
}
