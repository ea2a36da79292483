using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using Amazon.SQS;
using BluBees.Aws.DynamoDb;
using BluBees.Aws.Kms;
using BluBees.Aws.Sqs;
using BluBees.Engine.Crypto;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Aws;

public static class AwsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the production implementations (DynamoDB store, KMS key provider, SQS queue) when the
    /// configuration selects them. Called before the engine registrations, which only fill what is missing.
    /// With no configuration nothing changes: SQLite, the local key ring and the in-process queue stay.
    /// AWS clients are created on first use, not at start-up.
    /// </summary>
    public static IServiceCollection AddBluBeesAws(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<RunMessageCodec>();
        services.TryAddSingleton<SqsBatchProcessor>();

        if (configuration.GetValue<StorageProvider>(StorageOptions.Section + ":Provider") == StorageProvider.DynamoDb)
        {
            services.AddOptions<StorageOptions>()
                .Validate(o => !string.IsNullOrWhiteSpace(o.TableName), "Storage:TableName is required when Storage:Provider is DynamoDb.")
                .Validate(o => string.IsNullOrWhiteSpace(o.DynamoDbServiceUrl) || Uri.IsWellFormedUriString(o.DynamoDbServiceUrl, UriKind.Absolute), "Storage:DynamoDbServiceUrl must be an absolute URL.");
            services.TryAddSingleton<IStore>(sp =>
            {
                var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                var client = new Lazy<IAmazonDynamoDB>(() => AwsClientFactory.DynamoDb(options.DynamoDbServiceUrl, sp.GetService<BluBeesMetrics>()));
                return new DynamoDbStore(client, options.TableName, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DynamoDbStore>>());
            });
        }

        if (configuration.GetValue<KeyProviderKind>(KeyOptions.Section + ":Provider") == KeyProviderKind.Kms)
        {
            // KmsKeyId and KmsServiceUrl are checked on start by the engine's KeyOptionsValidator.
            services.TryAddSingleton<IKeyEncryptionProvider>(sp =>
            {
                var options = sp.GetRequiredService<IOptions<KeyOptions>>().Value;
                var client = new Lazy<IAmazonKeyManagementService>(() => AwsClientFactory.Kms(options.KmsServiceUrl, sp.GetService<BluBeesMetrics>()));
                return new KmsKeyEncryptionProvider(client, options.KmsKeyId!);
            });
        }

        if (configuration.GetValue<QueueProvider>(QueueOptions.Section + ":Provider") == QueueProvider.Sqs)
        {
            // Registered before the engine's, which then skips the in-process channel and its background worker.
            services.TryAddSingleton<IRunQueue>(sp =>
            {
                var options = sp.GetRequiredService<IOptions<QueueOptions>>();
                var client = new Lazy<IAmazonSQS>(() => AwsClientFactory.Sqs(options.Value.SqsServiceUrl, sp.GetService<BluBeesMetrics>()));
                return new SqsRunQueue(client, sp.GetRequiredService<RunMessageCodec>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqsRunQueue>>());
            });
        }

        return services;
    }
}
