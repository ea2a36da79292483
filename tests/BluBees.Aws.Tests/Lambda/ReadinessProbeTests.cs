using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;

namespace BluBees.Aws.Tests.Lambda;

/// <summary>
/// Issue 14: the Lambda Web Adapter polls <c>AWS_LWA_READINESS_CHECK_PATH</c> at every cold start before the
/// first event is handed over. That probe must not reach DynamoDB: a slow or failing table would hold every cold
/// start, and each probe would be a paid read. The path is read from template.yaml, as the adapter gets it.
/// </summary>
[TestFixture]
public sealed class ReadinessProbeTests
{
    [Test]
    public async Task The_readiness_path_answers_200_without_any_DynamoDB_call_even_when_DynamoDB_fails()
    {
        var path = DeployedTemplate.FunctionEnvironment("ApiFunction", "AWS_LWA_READINESS_CHECK_PATH");
        Assert.That(path, Is.Not.Null.And.StartsWith("/"), "template.yaml sets the adapter's readiness path");
        Assert.That(DeployedTemplate.FunctionEnvironment("WorkerFunction", "AWS_LWA_READINESS_CHECK_PATH"), Is.EqualTo(path));

        // A DynamoDB that records every call and fails each one.
        await using var dynamo = await AwsJsonServer.StartAsync("application/x-amz-json-1.0",
            (_, _) => throw new AwsFaultException("com.amazonaws.dynamodb.v20120810#InternalServerError", "injected", 500));
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:TableName"] = "blubees-test-readiness",
            ["Storage:DynamoDbServiceUrl"] = dynamo.Address.ToString(),
            // The worker function's settings: the SQS route consumes an SQS queue (nothing listens on port 9).
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/111122223333/blubees-test-runs",
            ["Queue:SqsServiceUrl"] = "http://127.0.0.1:9/",
            ["Worker:Enabled"] = "true",
        });

        for (var probe = 0; probe < 3; probe++)
        {
            using var ready = await host.Client.GetAsync(path);
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the adapter's default healthy range is 100-499");
        }

        Assert.That(dynamo.Operations, Is.Empty, "the readiness probe made no DynamoDB call");

        // The contrast that shows the recorder works: /health does read the table, and says so when it cannot.
        using var health = await host.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(dynamo.Operations, Is.Not.Empty);
    }
}
