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

    private static async Task<Dictionary<string, AttributeValue>?> DirectoryEntryAsync(DynamoDbTable table, string tenant)
        => await ItemAsync(table, Keys.DirectoryPk, Keys.DirectoryEntry(tenant));

    private static async Task<Dictionary<string, AttributeValue>?> ItemAsync(DynamoDbTable table, string pk, string sk)
    {
        var item = await table.Client.GetItemAsync(new Amazon.DynamoDBv2.Model.GetItemRequest
        {
            TableName = table.Name,
            Key = new() { ["pk"] = new AttributeValue(pk), ["sk"] = new AttributeValue(sk) },
            ConsistentRead = true,
        });
        return item.IsItemSet ? item.Item : null;
    }

    private static async Task<List<Dictionary<string, AttributeValue>>> PartitionAsync(DynamoDbTable table, string pk)
        => (await table.Client.QueryAsync(new DynamoQuery
        {
            TableName = table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue(pk) },
        })).Items;

    private async Task<(string Tenant, string File)> ExportAsync(string name)
    {
        await using var source = await BackendHost.StartAsync(_issuer);
        var tenant = Samples.NewTenant();
        using (var installed = await source.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }, withUserToken: false))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var connection = await source.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, Samples.Canary("secret")), 201);
        await source.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!, "Create ticket when done"), 201);
        var file = Path.Combine(_directory, name);
        await RunAsync(OperatorCommands.BackupExportAsync, Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = source.DataDirectory }),
            "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable);
        return (tenant, file);
    }

    /// <summary>
    /// A restore under the id an installation was uninstalled with, refused at its last step (the directory entry):
    /// it had cleared the uninstall mark and listed the tenant, and left both so after deleting the partition's items.
    /// The store is now as before the restore: the mark as it was, no entry, an empty partition.
    /// </summary>
    [Test]
    public async Task A_restore_refused_at_its_last_step_puts_the_uninstall_mark_back_and_leaves_no_directory_entry()
    {
        var (tenant, file) = await ExportAsync("last-step.bbk");
        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        await using var proxy = await DynamoDbFaultProxy.StartAsync(table.Url);
        var direct = table.Settings();
        direct["Keys:Provider"] = "Kms";
        direct["Keys:KmsKeyId"] = kms.CreateKey();
        direct["Keys:KmsServiceUrl"] = kms.Address.ToString();
        direct["Storage:DataDirectory"] = Path.Combine(_directory, "unused-last-step");
        await using (var target = await BackendHost.StartAsync(_issuer, direct))
        {
            using var uninstalled = await target.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);
            Assert.That(uninstalled.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var marks = await PartitionAsync(table, Keys.UninstalledPk);
        Assert.That(marks, Has.Count.EqualTo(1), "the uninstall marked the installation");
        Assert.That(await DirectoryEntryAsync(table, tenant), Is.Null);

        var aws = new Dictionary<string, string?>(direct) { ["Storage:DynamoDbServiceUrl"] = proxy.Address.ToString() };
        // The restore's last step clears the uninstall mark, then makes sure of the tenant record and directory entry
        // (each read first; sealing the first secret has listed the tenant already): its read of the tenant record, the
        // first after the mark was cleared, is refused.
        var markCleared = 0;
        proxy.Fail((operation, request) =>
        {
            if (operation == "DeleteItem" && (string?)request["Key"]?["pk"]?["S"] == Keys.UninstalledPk)
            {
                Interlocked.Exchange(ref markCleared, 1);
            }

            return operation == "GetItem" && Volatile.Read(ref markCleared) == 1 && (string?)request["Key"]?["pk"]?["S"] == Keys.Tenant(tenant)
                && (string?)request["Key"]?["sk"]?["S"] == Keys.TenantMeta
                ? DynamoDbFault.ProvisionedThroughputExceeded : null;
        });
        Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<CliException>().With.Message.Contains("ProvisionedThroughputExceeded"));
        Assert.That(proxy.Refused, Is.GreaterThan(0), "the store refused the last step");
        proxy.Fail(null);

        Assert.That((await PartitionAsync(table, Keys.Tenant(tenant))).Select(i => i["sk"].S), Is.Empty, "the partition's items and the data key are deleted");
        Assert.That(await DirectoryEntryAsync(table, tenant), Is.Null, "no directory entry, as before the restore");
        var after = await PartitionAsync(table, Keys.UninstalledPk);
        Assert.That(after, Has.Count.EqualTo(1), "before, the restore had cleared the uninstall mark");
        Assert.That(after[0].Keys, Is.EquivalentTo(marks[0].Keys));
        Assert.That(after[0].Select(a => (a.Key, a.Value.S, a.Value.N)), Is.EquivalentTo(marks[0].Select(a => (a.Key, a.Value.S, a.Value.N))), "the mark as it was, its expiry included");

        var restored = await RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable);
        Assert.That(restored, Does.Contain($"restored tenant {tenant}"));
        Assert.That(await DirectoryEntryAsync(table, tenant), Is.Not.Null);
        Assert.That(await PartitionAsync(table, Keys.UninstalledPk), Is.Empty, "a restore that succeeds clears the mark");
    }

    /// <summary>
    /// The same on the embedded SQLite store (a trigger refuses the rule heads, as a locked or full file would): a
    /// tenant not listed before is not listed after; one listed before (an entry without data) keeps its entry as it was.
    /// </summary>
    [Test]
    public async Task A_SQLite_restore_refused_part_way_leaves_the_directory_as_it_was()
    {
        var (tenant, file) = await ExportAsync("sqlite-part-way.bbk");
        await using var target = await BackendHost.StartAsync(_issuer);
        var store = target.Services.GetRequiredService<IStore>();
        var path = target.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.SqlitePath;
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var trigger = connection.CreateCommand();
            trigger.CommandText = $"CREATE TRIGGER refuse_heads BEFORE INSERT ON items WHEN NEW.sk LIKE '{Keys.RulePrefix}%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;";
            await trigger.ExecuteNonQueryAsync();
        }

        var local = Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = target.DataDirectory });
        var entry = Keys.DirectoryEntry(tenant);
        Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, local, "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<Microsoft.Data.Sqlite.SqliteException>().With.Message.Contains("refused by the test"));
        Assert.That((await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), string.Empty), default)).Items, Is.Empty);
        Assert.That(await store.GetAsync(Keys.DirectoryPk, entry, default), Is.Null, "before, the directory listed the installation whose data was rolled back");

        var listed = TenantDirectory.EntryFor(new TenantId(tenant));
        await store.PutAsync(listed, default);
        var before = await store.GetAsync(Keys.DirectoryPk, entry, default);
        Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, local, "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<Microsoft.Data.Sqlite.SqliteException>());
        Assert.That((await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), string.Empty), default)).Items, Is.Empty);
        Assert.That(await store.GetAsync(Keys.DirectoryPk, entry, default), Is.EqualTo(before), "an entry there before the restore stays as it was");
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
        Assert.That(await DirectoryEntryAsync(table, tenant), Is.Null, "before, the directory listed the installation whose data was rolled back");

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
