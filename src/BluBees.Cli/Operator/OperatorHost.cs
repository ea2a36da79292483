using BluBees.Aws.Composition;
using BluBees.Aws.Sqs;
using BluBees.Engine.Execution;
using BluBees.Engine.Hosting;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Cli.Operator;

/// <summary>
/// The services an operator command needs, built from the same configuration the backend reads: environment
/// variables (<c>Storage__Provider=DynamoDb</c>, <c>Storage__TableName</c>, <c>Keys__Provider=Kms</c>,
/// <c>Keys__KmsKeyId</c>…) and, for the embedded default, <c>--data-dir</c> (SQLite file and key ring).
/// </summary>
internal static class OperatorHost
{
    public static IConfiguration Configuration(CliArgs cli)
    {
        var overrides = new Dictionary<string, string?>();
        if (cli.Option("data-dir") is { } directory)
        {
            overrides["Storage:DataDirectory"] = directory;
        }

        return new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(overrides).Build();
    }

    /// <param name="configuration">The backend's settings.</param>
    /// <param name="purgesQueue">
    /// Whether the command erases tenants (<c>tenants erase</c>): then the embedded queue's purge is registered too
    /// (<c>Queue__Provider=InProcess</c>, its table in the SQLite file, when that file exists), so that the erase deletes
    /// the tenant's queued messages as the backend's uninstall does. SQS has no per-tenant purge: its messages expire.
    /// </param>
    public static ServiceProvider Build(IConfiguration configuration, bool purgesQueue = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        try
        {
            // Store and keys only: an operator command runs no queue.
            services.AddBluBeesStoreAndKeys(configuration);
        }
        catch (OptionsValidationException ex)
        {
            throw new CliException("invalid configuration: " + OptionsMessages.Describe(ex));
        }

        services.AddBluBeesStorage(configuration);
        services.AddBluBeesKeys(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RuleCache>();
        services.TryAddSingleton<ITenantDataCache>(sp => sp.GetRequiredService<RuleCache>()); // what an uninstall clears
        services.TryAddSingleton<TenantService>();
        if (purgesQueue)
        {
            AddQueuePurge(services, configuration);
        }

        var provider = services.BuildServiceProvider();
        try
        {
            // The same validation the backend runs at start (ValidateOnStart), before anything touches data.
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            provider.Dispose();
            throw new CliException("invalid configuration: " + OptionsMessages.Describe(ex));
        }

        return provider;
    }

    private static void AddQueuePurge(ServiceCollection services, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (ProviderChoices.Of(services, configuration).Queue != QueueProvider.InProcess || !File.Exists(storage.SqlitePath))
        {
            return;
        }

        services.AddOptions<RunOptions>().Bind(configuration.GetSection(RunOptions.Section));
        services.TryAddSingleton<BluBeesMetrics>();
        services.TryAddSingleton<RunStore>();
        services.AddSqliteRunQueue();
    }

    public static async Task<List<TenantId>> TenantIdsAsync(IServiceProvider services, CancellationToken ct)
    {
        var ids = new List<TenantId>();
        var tenants = services.GetRequiredService<TenantService>();
        // Data keys an older build stored without listing their tenant: rotation and retiring must see them too.
        await tenants.ListUnlistedDataKeysAsync(ct);
        await foreach (var id in tenants.ListTenantIdsAsync(ct))
        {
            ids.Add(id);
        }

        return ids;
    }
}
