using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.SQS;
using BluBees.Engine.Observability;

namespace BluBees.Aws;

/// <summary>
/// Creates the AWS SDK clients. Without an endpoint override a client uses the SDK's default credential chain
/// and region (on Lambda: the function role and <c>AWS_REGION</c>). With an override (dynalite, the loopback
/// KMS/SQS stand-ins) it uses static dummy credentials and signs for us-east-1: those servers check neither.
/// Callers create clients lazily, on first use, to keep them off the cold-start path. Given the metrics, a client
/// reports its calls and (DynamoDB) consumed capacity on them (<see cref="AwsRequestMeter"/>).
/// </summary>
internal static class AwsClientFactory
{
    private const string LocalRegion = "us-east-1";

    /// <param name="timeout">How long one request may go unanswered (the SDK's default, 100 s, outlasts every caller's budget).</param>
    public static IAmazonDynamoDB DynamoDb(string? serviceUrl, BluBeesMetrics? metrics = null, TimeSpan? timeout = null)
    {
        var config = new AmazonDynamoDBConfig();
        if (timeout is { } limit)
        {
            config.Timeout = limit;
        }

        var client = string.IsNullOrWhiteSpace(serviceUrl)
            ? new AmazonDynamoDBClient(config)
            : new AmazonDynamoDBClient(LocalCredentials(), Local(config, serviceUrl));
        return AwsRequestMeter.Attach(client, "dynamodb", metrics);
    }

    /// <param name="timeout">How long one request may go unanswered (the SDK's default, 100 s, outlasts every caller's budget).</param>
    public static IAmazonKeyManagementService Kms(string? serviceUrl, BluBeesMetrics? metrics = null, TimeSpan? timeout = null)
    {
        var config = new AmazonKeyManagementServiceConfig();
        if (timeout is { } limit)
        {
            config.Timeout = limit;
        }

        var client = string.IsNullOrWhiteSpace(serviceUrl)
            ? new AmazonKeyManagementServiceClient(config)
            : new AmazonKeyManagementServiceClient(LocalCredentials(), Local(config, serviceUrl));
        return AwsRequestMeter.Attach(client, "kms", metrics);
    }

    public static IAmazonSQS Sqs(string? serviceUrl, BluBeesMetrics? metrics = null)
    {
        var config = new AmazonSQSConfig();
        var client = string.IsNullOrWhiteSpace(serviceUrl)
            ? new AmazonSQSClient(config)
            : new AmazonSQSClient(LocalCredentials(), Local(config, serviceUrl));
        return AwsRequestMeter.Attach(client, "sqs", metrics);
    }

    private static BasicAWSCredentials LocalCredentials() => new("test", "test");

    private static T Local<T>(T config, string serviceUrl) where T : ClientConfig
    {
        config.ServiceURL = serviceUrl;
        config.AuthenticationRegion = LocalRegion;
        return config;
    }
}
