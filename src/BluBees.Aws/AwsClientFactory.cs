using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.SQS;

namespace BluBees.Aws;

/// <summary>
/// Creates the AWS SDK clients. Without an endpoint override a client uses the SDK's default credential chain
/// and region (on Lambda: the function role and <c>AWS_REGION</c>). With an override (dynalite, the loopback
/// KMS/SQS stand-ins) it uses static dummy credentials and signs for us-east-1: those servers check neither.
/// Callers create clients lazily, on first use, to keep them off the cold-start path.
/// </summary>
internal static class AwsClientFactory
{
    private const string LocalRegion = "us-east-1";

    public static IAmazonDynamoDB DynamoDb(string? serviceUrl)
    {
        var config = new AmazonDynamoDBConfig();
        return string.IsNullOrWhiteSpace(serviceUrl)
            ? new AmazonDynamoDBClient(config)
            : new AmazonDynamoDBClient(LocalCredentials(), Local(config, serviceUrl));
    }

    public static IAmazonKeyManagementService Kms(string? serviceUrl)
    {
        var config = new AmazonKeyManagementServiceConfig();
        return string.IsNullOrWhiteSpace(serviceUrl)
            ? new AmazonKeyManagementServiceClient(config)
            : new AmazonKeyManagementServiceClient(LocalCredentials(), Local(config, serviceUrl));
    }

    public static IAmazonSQS Sqs(string? serviceUrl)
    {
        var config = new AmazonSQSConfig();
        return string.IsNullOrWhiteSpace(serviceUrl)
            ? new AmazonSQSClient(config)
            : new AmazonSQSClient(LocalCredentials(), Local(config, serviceUrl));
    }

    private static BasicAWSCredentials LocalCredentials() => new("test", "test");

    private static T Local<T>(T config, string serviceUrl) where T : ClientConfig
    {
        config.ServiceURL = serviceUrl;
        config.AuthenticationRegion = LocalRegion;
        return config;
    }
}
