using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using Amazon.SQS;
using BluBees.Aws.DynamoDb;
using BluBees.Aws.Kms;
using BluBees.Aws.Sqs;
using BluBees.Engine.Crypto;
using BluBees.Engine.Hosting;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Composition;

/// <summary>
/// The one place that picks an implementation per concern: a <c>switch</c> over <see cref="ProviderChoices"/>
/// registers exactly one store, one key provider, one run queue and at most one queue consumer. The order of
/// the hosts' <c>AddXxx</c> calls no longer matters. AWS clients are created on first use, not at start-up.
/// </summary>
public static class ProviderSwitch
{
    /// <summary>Every concern: what the backend needs (store, keys, run queue, worker).</summary>
    public static IServiceCollection AddBluBeesProviders(this IServiceCollection services, IConfiguration configuration)
        => services.AddBluBeesStoreAndKeys(configuration).AddBluBeesRunQueue(configuration);

    /// <summary>Store and keys only: what an operator command needs.</summary>
    public static IServiceCollection AddBluBeesStoreAndKeys(this IServiceCollection services, IConfiguration configuration)
    {
        var choices = ProviderChoices.Of(services, configuration);
        switch (choices.Store)
        {
            case StorageProvider.Sqlite:
                services.AddSqliteStore();
                break;
            case StorageProvider.DynamoDb:
                services.AddSingleton<IStore>(sp =>
                {
                    var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                    var client = new Lazy<IAmazonDynamoDB>(() => AwsClientFactory.DynamoDb(options.DynamoDbServiceUrl, sp.GetService<BluBeesMetrics>(), TimeSpan.FromMilliseconds(options.DynamoDbTimeoutMilliseconds)));
                    return new DynamoDbStore(client, options.TableName, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DynamoDbStore>>());
                });
                break;
            default:
                throw new InvalidOperationException("Unhandled store provider " + choices.Store);
        }

        switch (choices.Keys)
        {
            case KeyProviderKind.LocalFile:
                services.AddLocalKeys();
                break;
            case KeyProviderKind.Kms:
                // KmsKeyId, KeyTableName and KmsServiceUrl are checked on start by the engine's KeyOptionsValidator.
                services.AddSingleton<IKeyEncryptionProvider>(sp =>
                {
                    var options = sp.GetRequiredService<IOptions<KeyOptions>>().Value;
                    var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                    var metrics = sp.GetService<BluBeesMetrics>();
                    var client = new Lazy<IAmazonKeyManagementService>(() => AwsClientFactory.Kms(options.KmsServiceUrl, metrics, TimeSpan.FromMilliseconds(options.KmsTimeoutMilliseconds)));
                    // The key table is reached where the main table is (Storage:DynamoDbServiceUrl, its timeout).
                    var keyTable = new Lazy<IAmazonDynamoDB>(() => AwsClientFactory.DynamoDb(storage.DynamoDbServiceUrl, metrics, TimeSpan.FromMilliseconds(storage.DynamoDbTimeoutMilliseconds)));
                    return new KmsKeyEncryptionProvider(client, options.KmsKeyId!, new KeyShareTable(keyTable, options.KeyTableName!, sp.GetRequiredService<TimeProvider>()));
                });
                break;
            default:
                throw new InvalidOperationException("Unhandled key provider " + choices.Keys);
        }

        return services;
    }

    /// <summary>The run queue and what consumes it in this process.</summary>
    public static IServiceCollection AddBluBeesRunQueue(this IServiceCollection services, IConfiguration configuration)
    {
        var choices = ProviderChoices.Of(services, configuration);
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QueueOptions>, QueueOptionsValidator>());
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        // Both are cheap and resolved on first use; the SQS route (and its tests) need them.
        services.AddSingleton<RunMessageCodec>();
        services.AddSingleton<SqsBatchProcessor>();

        switch (choices.Queue)
        {
            case QueueProvider.InProcess:
                services.AddSqliteRunQueue();
                break;
            case QueueProvider.Sqs:
                services.AddSingleton<IRunQueue>(sp =>
                {
                    var options = sp.GetRequiredService<IOptions<QueueOptions>>();
                    var client = new Lazy<IAmazonSQS>(() => AwsClientFactory.Sqs(options.Value.SqsServiceUrl, sp.GetService<BluBeesMetrics>()));
                    return new SqsRunQueue(client, sp.GetRequiredService<RunMessageCodec>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqsRunQueue>>());
                });
                // DynamoDB has no periodic job to resume an uninstall refused part way: the worker finishes it.
                services.AddSingleton<Engine.Tenancy.IUninstallFinishQueue>(sp => (SqsRunQueue)sp.GetRequiredService<IRunQueue>());
                break;
            default:
                throw new InvalidOperationException("Unhandled queue provider " + choices.Queue);
        }

        switch (choices.Worker)
        {
            case WorkerMode.InProcess:
                services.AddInProcessWorker();
                break;
            case WorkerMode.SqsRoute:
            case WorkerMode.None:
                // The route is mapped by the API host (MapWorker reads the same choice); None runs nothing here.
                break;
            default:
                throw new InvalidOperationException("Unhandled worker mode " + choices.Worker);
        }

        return services;
    }
}
