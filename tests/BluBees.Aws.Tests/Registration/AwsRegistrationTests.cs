using BluBees.Api;
using BluBees.Aws.DynamoDb;
using BluBees.Aws.Kms;
using BluBees.Aws.Sqs;
using BluBees.Engine.Crypto;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Tests.Registration;

/// <summary>Which implementations the configuration selects, lazily, and what is refused at start.</summary>
[TestFixture]
public sealed class AwsRegistrationTests
{
    // Nothing listens there: resolving the AWS implementations must not open a connection.
    private const string Closed = "http://127.0.0.1:9/";

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Forge:AppId", BluBees.Api.Tests.Harness.TestIssuer.AppId);
        settings.TryAdd("Storage:DataDirectory", Path.Combine(Path.GetTempPath(), "blubees-reg-" + Guid.NewGuid().ToString("N")));
        return BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
    }

    [Test]
    public async Task Without_configuration_the_embedded_default_stays()
    {
        await using var app = Build([]);

        Assert.Multiple(() =>
        {
            Assert.That(app.Services.GetRequiredService<IStore>().GetType().Name, Is.EqualTo("SqliteStore"));
            Assert.That(app.Services.GetRequiredService<IKeyEncryptionProvider>(), Is.InstanceOf<LocalKeyEncryptionProvider>());
            Assert.That(app.Services.GetRequiredService<IRunQueue>(), Is.InstanceOf<BluBees.Engine.Runs.SqliteRunQueue>());
            Assert.That(app.Services.GetServices<IHostedService>().OfType<RunWorker>(), Has.Exactly(1).Items);
            Assert.That(app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Enabled, Is.False);
        });
    }

    [Test]
    public async Task The_deployed_configuration_selects_DynamoDB_KMS_and_SQS_without_touching_the_network()
    {
        await using var app = Build(new()
        {
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
        });

        Assert.Multiple(() =>
        {
            Assert.That(app.Services.GetRequiredService<IStore>(), Is.InstanceOf<DynamoDbStore>().With.Property(nameof(DynamoDbStore.TableName)).EqualTo("blubees-prod-data"));
            Assert.That(app.Services.GetRequiredService<IKeyEncryptionProvider>(), Is.InstanceOf<KmsKeyEncryptionProvider>());
            Assert.That(app.Services.GetRequiredService<IKeyEncryptionProvider>().CurrentKeyId, Does.EndWith("1234567890ab"));
            Assert.That(app.Services.GetRequiredService<IRunQueue>(), Is.InstanceOf<SqsRunQueue>());
            Assert.That(app.Services.GetServices<IHostedService>().OfType<RunWorker>(), Is.Empty, "SQS has its own worker function");
        });
    }

    [TestCase("Queue:Provider", "Sqs", "Queue:QueueUrl")]
    [TestCase("Storage:Provider", "DynamoDb", "Storage:TableName")]
    [TestCase("Keys:Provider", "Kms", "Keys:KmsKeyId")]
    [TestCase("Keys:Provider", "Kms", "Keys:KeyTableName")]
    public async Task A_production_provider_without_its_setting_is_refused_at_start(string provider, string value, string missing)
    {
        // Depending on what resolves the service first, building the app or starting it fails; either way nothing serves.
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = Build(new() { [provider] = value, ["Storage:TableName"] = "" });
            await app.StartAsync();
        });

        Assert.That(failure!.Message, Does.Contain(missing));
    }

    [Test]
    public async Task The_worker_route_exists_only_when_enabled()
    {
        await using var off = Build([]);
        // The route consumes SQS; with the SQLite queue nothing would run its messages, so that is refused (see below).
        await using var on = Build(new() { ["Worker:Enabled"] = "true", ["Queue:Provider"] = "Sqs", ["Queue:QueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/111122223333/q", ["Queue:SqsServiceUrl"] = Closed });

        static IEnumerable<string?> Routes(WebApplication app)
            => ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().Select(e => e.RoutePattern.RawText);

        Assert.That(Routes(off), Does.Not.Contain("/internal/sqs-batch"));
        Assert.That(Routes(on), Does.Contain("/internal/sqs-batch"));
    }
}
