using BluBees.Api;
using BluBees.Aws.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Tests.Registration;

/// <summary>
/// Every template parameter passed to an app setting: CloudFormation accepts each value from its MinValue to its
/// MaxValue, so the app must start with both bounds. A wider parameter deploys a stack whose functions refuse to start
/// (every request an error) although the deployment succeeded.
/// </summary>
[TestFixture]
public sealed class TemplateParameterRangeTests
{
    // Nothing listens there: validating the deployed configuration must not open a connection.
    private const string Closed = "http://127.0.0.1:9/";

    [TestCase("RunsRetentionDays", "Runs:RetentionDays", "MinValue")]
    [TestCase("RunsRetentionDays", "Runs:RetentionDays", "MaxValue")]
    [TestCase("MaxReceiveCount", "Worker:MaxReceiveCount", "MinValue")]
    [TestCase("MaxReceiveCount", "Worker:MaxReceiveCount", "MaxValue")]
    public void The_app_starts_with_each_bound_of_a_parameter_it_reads(string parameter, string setting, string bound)
    {
        var value = DeployedTemplate.Parameter(parameter, bound);
        Assert.That(value, Is.Not.Null.And.Not.Empty, $"template.yaml states {parameter}.{bound}");

        var app = BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Forge:AppId"] = BluBees.Api.Tests.Harness.TestIssuer.AppId,
                ["Storage:Provider"] = "DynamoDb",
                ["Storage:TableName"] = "blubees-prod-data",
                ["Storage:DynamoDbServiceUrl"] = Closed,
                ["Keys:Provider"] = "Kms",
                ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                ["Keys:KeyTableName"] = "blubees-prod-keys",
                ["Keys:KmsServiceUrl"] = Closed,
                ["Queue:Provider"] = "Sqs",
                ["Queue:QueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/111122223333/blubees-prod-runs",
                ["Queue:SqsServiceUrl"] = Closed,
                ["Worker:Enabled"] = "true",
                [setting] = value,
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
        try
        {
            Assert.That(() => app.Services.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing, $"{setting}={value} ({parameter}.{bound})");
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }
}
