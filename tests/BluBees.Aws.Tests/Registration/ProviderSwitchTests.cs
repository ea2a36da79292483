using BluBees.Api;
using BluBees.Aws.Composition;
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

/// <summary>Issue 11: one explicit, validated provider choice per concern, and exactly one implementation registered for it.</summary>
[TestFixture]
public sealed class ProviderSwitchTests
{
    private const string Closed = "http://127.0.0.1:9/";
    private const string QueueUrl = "https://sqs.eu-west-1.amazonaws.com/111122223333/blubees-runs";

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Forge:AppId", BluBees.Api.Tests.Harness.TestIssuer.AppId);
        settings.TryAdd("Storage:DataDirectory", Path.Combine(Path.GetTempPath(), "blubees-switch-" + Guid.NewGuid().ToString("N")));
        return BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
    }

    private static ProviderChoices Read(Dictionary<string, string?> settings)
        => ProviderChoices.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    private static Dictionary<string, string?> Sqs(Dictionary<string, string?> settings)
    {
        settings["Queue:Provider"] = "Sqs";
        settings["Queue:QueueUrl"] = QueueUrl;
        settings["Queue:SqsServiceUrl"] = Closed;
        return settings;
    }

    private static IEnumerable<string?> Routes(WebApplication app)
        => ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().Select(e => e.RoutePattern.RawText);

    [Test]
    public void Without_settings_every_concern_is_the_embedded_one()
        => Assert.That(Read([]), Is.EqualTo(new ProviderChoices(StorageProvider.Sqlite, KeyProviderKind.LocalFile, QueueProvider.InProcess, WorkerMode.InProcess)));

    [TestCase("Storage:Provider", "dynamodb")]
    [TestCase("Keys:Provider", "KMS")]
    public void Values_are_matched_without_regard_to_case(string key, string value)
    {
        var choices = Read(new() { [key] = value });
        Assert.That(key.StartsWith("Storage") ? choices.Store == StorageProvider.DynamoDb : choices.Keys == KeyProviderKind.Kms, Is.True);
    }

    [TestCase("false", null, WorkerMode.None)]
    [TestCase("true", null, WorkerMode.SqsRoute)]
    [TestCase(null, "SqsRoute", WorkerMode.SqsRoute)]
    [TestCase(null, "None", WorkerMode.None)]
    [TestCase(null, null, WorkerMode.None)]
    public void With_SQS_the_worker_follows_Worker_Mode_or_the_older_Worker_Enabled(string? enabled, string? mode, WorkerMode expected)
        => Assert.That(Read(Sqs(new() { ["Worker:Enabled"] = enabled, ["Worker:Mode"] = mode })).Worker, Is.EqualTo(expected));

    [TestCase("Storage:Provider", "Postgres", "Storage:Provider 'Postgres' is not one of: Sqlite, DynamoDb.")]
    [TestCase("Keys:Provider", "Vault", "Keys:Provider 'Vault' is not one of: LocalFile, Kms.")]
    [TestCase("Queue:Provider", "1", "Queue:Provider '1' is not one of: InProcess, Sqs.")]
    [TestCase("Worker:Mode", "Lambda", "Worker:Mode 'Lambda' is not one of: InProcess, SqsRoute, None.")]
    [TestCase("Worker:Enabled", "yes", "Worker:Enabled 'yes' is not true or false.")]
    public void An_unknown_value_is_refused_at_start_naming_the_key_and_the_allowed_values(string key, string value, string message)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Build(new() { [key] = value }));
        Assert.That(failure!.Failures, Does.Contain(message));
    }

    [TestCase("Queue:Provider", "InProcess", "Worker:Mode", "SqsRoute", "nothing else runs that queue")]
    [TestCase("Queue:Provider", "InProcess", "Worker:Mode", "None", "nothing else runs that queue")]
    [TestCase("Queue:Provider", "Sqs", "Worker:Mode", "InProcess", "Worker:Mode InProcess runs the SQLite queue")]
    [TestCase("Worker:Enabled", "false", "Worker:Mode", "SqsRoute", "contradicts Worker:Mode SqsRoute")]
    public void A_combination_that_would_leave_runs_unrun_or_contradict_itself_is_refused(string key1, string value1, string key2, string value2, string message)
    {
        var settings = new Dictionary<string, string?> { ["Queue:QueueUrl"] = QueueUrl, [key1] = value1, [key2] = value2 };
        var failure = Assert.Throws<OptionsValidationException>(() => Build(settings));
        Assert.That(failure!.Message, Does.Contain(message));
    }

    [Test]
    public async Task Each_choice_registers_exactly_one_implementation_of_its_concern()
    {
        await using var embedded = Build([]);
        await using var aws = Build(Sqs(new()
        {
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:TableName"] = "blubees-t",
            ["Storage:DynamoDbServiceUrl"] = Closed,
            ["Keys:Provider"] = "Kms",
            ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ["Keys:KeyTableName"] = "blubees-prod-keys",
            ["Keys:KmsServiceUrl"] = Closed,
            ["Worker:Mode"] = "None",
        }));

        Assert.Multiple(() =>
        {
            Assert.That(embedded.Services.GetServices<IStore>().Select(s => s.GetType().Name), Is.EqualTo(new[] { "SqliteStore" }));
            Assert.That(embedded.Services.GetServices<IKeyEncryptionProvider>().Single(), Is.InstanceOf<LocalKeyEncryptionProvider>());
            Assert.That(embedded.Services.GetServices<IRunQueue>().Single(), Is.InstanceOf<SqliteRunQueue>());
            Assert.That(embedded.Services.GetServices<IHostedService>().OfType<RunWorker>(), Has.Exactly(1).Items);
            Assert.That(Routes(embedded), Does.Not.Contain("/internal/sqs-batch"));

            Assert.That(aws.Services.GetServices<IStore>().Single(), Is.InstanceOf<DynamoDbStore>());
            Assert.That(aws.Services.GetServices<IKeyEncryptionProvider>().Single(), Is.InstanceOf<KmsKeyEncryptionProvider>());
            Assert.That(aws.Services.GetServices<LocalKeyRing>(), Is.Empty, "no key ring file is touched under KMS");
            Assert.That(aws.Services.GetServices<IRunQueue>().Single(), Is.InstanceOf<SqsRunQueue>());
            Assert.That(aws.Services.GetServices<IHostedService>().OfType<RunWorker>(), Is.Empty);
            Assert.That(Routes(aws), Does.Not.Contain("/internal/sqs-batch"), "Worker:Mode None: the API function only sends");
        });
    }

    [Test]
    public async Task The_SQS_route_choice_maps_the_route_and_runs_no_in_process_worker()
    {
        await using var worker = Build(Sqs(new() { ["Worker:Mode"] = "SqsRoute" }));

        Assert.Multiple(() =>
        {
            Assert.That(Routes(worker), Does.Contain("/internal/sqs-batch"));
            Assert.That(worker.Services.GetServices<IHostedService>().OfType<RunWorker>(), Is.Empty);
            Assert.That(worker.Services.GetRequiredService<ProviderChoices>().Worker, Is.EqualTo(WorkerMode.SqsRoute));
        });
    }

    [Test]
    public void The_order_of_the_hosts_registrations_does_not_change_the_choice()
    {
        // Before issue 11 the AWS registrations had to come first (TryAdd filled the rest); now either order gives one store.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDbServiceUrl"] = Closed,
        }).Build();
        var engineFirst = new ServiceCollection();
        BluBees.Engine.Hosting.EngineServiceCollectionExtensions.AddBluBeesStorage(engineFirst, configuration);
        engineFirst.AddBluBeesStoreAndKeys(configuration);
        var switchFirst = new ServiceCollection();
        switchFirst.AddBluBeesStoreAndKeys(configuration);
        BluBees.Engine.Hosting.EngineServiceCollectionExtensions.AddBluBeesStorage(switchFirst, configuration);

        Assert.Multiple(() =>
        {
            Assert.That(engineFirst.Where(d => d.ServiceType == typeof(IStore)).ToList(), Has.Count.EqualTo(1));
            Assert.That(switchFirst.Where(d => d.ServiceType == typeof(IStore)).ToList(), Has.Count.EqualTo(1));
        });
    }
}
