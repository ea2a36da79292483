using System.Net;
using System.Text.Json.Nodes;
using AttributeValue = Amazon.DynamoDBv2.Model.AttributeValue;
using DynamoQuery = Amazon.DynamoDBv2.Model.QueryRequest;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Operator;

/// <summary>
/// DynamoDB refusing a write part way through <c>blubees backup restore</c> (throttling past the SDK's retries) left
/// the items written before it, and every later attempt was refused as a restore into a tenant that has items. The
/// restore now deletes what it wrote, its data key included, before reporting the error, so it runs again.
/// </summary>
[TestFixture]
public sealed class BackupRestoreStoreFailureTests
{
    private const string PassphraseVariable = "BLUBEES_TEST_RESTORE_FAILURE_PASSPHRASE";
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private string _directory = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _directory = Directory.CreateTempSubdirectory("blubees-restore-failure-").FullName;
        Environment.SetEnvironmentVariable(PassphraseVariable, "correct horse battery staple " + Guid.NewGuid());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        Environment.SetEnvironmentVariable(PassphraseVariable, null);
        Directory.Delete(_directory, recursive: true);
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private static IConfiguration Configuration(IDictionary<string, string?> settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static async Task<string> RunAsync(Func<CliArgs, IConfiguration, TextWriter, Task<int>> command, IConfiguration configuration, params string[] args)
    {
        using var output = new StringWriter();
        Assert.That(await command(new CliArgs(args), configuration, output), Is.Zero, output.ToString());
        return output.ToString();
    }

    [Test]
    public async Task A_restore_the_store_refuses_part_way_leaves_nothing_and_runs_again()
    {
        await using var source = await BackendHost.StartAsync(_issuer);
        var tenant = Samples.NewTenant();
        using (var installed = await source.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }, withUserToken: false))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var secret = Samples.Canary("secret");
        var connection = await source.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, secret), 201);
        var rule = await source.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!, "Create ticket when done"), 201);
        var file = Path.Combine(_directory, "backup.bbk");
        await RunAsync(OperatorCommands.BackupExportAsync, Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = source.DataDirectory }),
            "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable);

        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        await using var proxy = await DynamoDbFaultProxy.StartAsync(table.Url);
        var aws = table.Settings();
        aws["Storage:DynamoDbServiceUrl"] = proxy.Address.ToString();
        aws["Keys:Provider"] = "Kms";
        aws["Keys:KmsKeyId"] = kms.CreateKey();
        aws["Keys:KmsServiceUrl"] = kms.Address.ToString();
        aws["Storage:DataDirectory"] = Path.Combine(_directory, "unused");

        // The rule heads are written last: META, the connection, the versions are in the table when the head is refused.
        proxy.Fail((operation, request) => operation == "PutItem" && ((string?)request["Item"]?["sk"]?["S"])?.StartsWith(Keys.RulePrefix, StringComparison.Ordinal) == true
            ? DynamoDbFault.ProvisionedThroughputExceeded : null);
        Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<CliException>().With.Message.Contains("ProvisionedThroughputExceeded"));
        Assert.That(proxy.Refused, Is.GreaterThan(0), "the store refused a write part way");
        proxy.Fail(null);

        var left = await table.Client.QueryAsync(new DynamoQuery
        {
            TableName = table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue(Keys.Tenant(tenant)) },
        });
        Assert.That(left.Items.Select(i => i["sk"].S), Is.Empty, "nothing of the failed restore is left, the data key included");

        var restored = await RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable);

        Assert.That(restored, Does.Contain($"restored tenant {tenant}").And.Contain("1 CONN#").And.Contain("1 RULE#"), "before, 'refusing to restore': the tenant had items");
        await using var target = await BackendHost.StartAsync(_issuer, aws);
        var connections = target.Services.GetRequiredService<ConnectionService>();
        var restoredConnection = (await connections.ListAsync(new TenantId(tenant), default)).Single();
        Assert.That(await connections.RevealSecretAsync(new TenantId(tenant), restoredConnection, default), Is.EqualTo(secret));
        var read = await target.JsonAsync(HttpMethod.Get, $"/api/rules/{rule["id"]}", tenant);
        Assert.That((string?)read["name"], Is.EqualTo("Create ticket when done"));
        using var accepted = await target.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "Restored"), withUserToken: false);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }
}
