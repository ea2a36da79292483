using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Operator;

/// <summary>
/// <c>blubees backup export</c> from the embedded SQLite store, uninstall, <c>blubees backup restore</c> into the
/// same store and into DynamoDB + KMS, and the restored rules call the third party with the restored secret.
/// </summary>
[TestFixture]
public sealed class BackupRestoreTests
{
    private const string PassphraseVariable = "BLUBEES_TEST_BACKUP_PASSPHRASE";
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private string _backupDirectory = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _backupDirectory = Path.Combine(Path.GetTempPath(), "blubees-backup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_backupDirectory);
        Environment.SetEnvironmentVariable(PassphraseVariable, "correct horse battery staple " + Guid.NewGuid());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        Environment.SetEnvironmentVariable(PassphraseVariable, null);
        Directory.Delete(_backupDirectory, recursive: true);
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

    /// <summary>A tenant with a connection (secret), a webhook (secret), and a rule with two versions.</summary>
    private async Task<(string Tenant, string Secret, string RuleId, string HookId, string HookSecret)> SeedAsync(BackendHost backend)
    {
        var tenant = Samples.NewTenant();
        using (var installed = await backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }, withUserToken: false))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var secret = Samples.Canary("secret");
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, secret), 201);
        var rule = await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!, "First name"), 201);
        await backend.JsonAsync(HttpMethod.Put, $"/api/rules/{rule["id"]}", tenant, Samples.Rule((string)connection["id"]!, "Create ticket when done"), 200);
        var hook = await backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "Billing" }, 201);
        return (tenant, secret, (string)rule["id"]!, (string)hook["id"]!, (string)hook["secret"]!);
    }

    /// <summary>The restored rule fires on an event and calls the third party with the restored credential.</summary>
    private async Task AssertRuleRunsWithSecretAsync(BackendHost backend, string tenant, string secret)
    {
        var before = _thirdParty.Received.Count;
        using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "Restored"), withUserToken: false);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var received = (await _thirdParty.WaitForAsync(before + 1)).Skip(before).ToList();
        Assert.That(received, Has.Count.EqualTo(1));
        Assert.That(received[0].Headers["Authorization"], Is.EqualTo("Bearer " + secret));
    }

    [Test]
    public async Task Export_uninstall_and_restore_into_the_same_SQLite_store_brings_rules_and_secrets_back()
    {
        await using var backend = await BackendHost.StartAsync(_issuer);
        var (tenant, secret, ruleId, hookId, hookSecret) = await SeedAsync(backend);
        var local = Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = backend.DataDirectory });
        var file = Path.Combine(_backupDirectory, "sqlite.bbk");

        var exported = await RunAsync(OperatorCommands.BackupExportAsync, local, "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable);

        Assert.That(exported, Does.Contain("1 CONN#").And.Contain("1 HOOK#").And.Contain("1 RULE#").And.Contain("2 RULEV#").And.Contain("2 RULEVI#").And.Contain("2 secret(s)"));
        var text = File.ReadAllText(file);
        // "OPS" alone is not checked: three letters occur by chance in a few kilobytes of base64 (about 1 run in 40).
        // The project key as plain JSON would be quoted, and a quote cannot occur in base64.
        Assert.That(text, Does.Not.Contain(secret).And.Not.Contain(hookSecret).And.Not.Contain(ruleId).And.Not.Contain("\"OPS\""), "the file is encrypted as a whole");
        var envelope = JsonNode.Parse(text)!.AsObject();
        Assert.That(envelope.Select(p => p.Key), Is.EquivalentTo(new[] { "format", "version", "kdf", "iterations", "salt", "cipher", "data" }), "only the envelope is in clear");
        Assert.That(Convert.FromBase64String(envelope["data"]!.GetValue<string>()), Has.Length.GreaterThan(64), "the rest is one ciphertext");
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }

        using (var uninstalled = await backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false))
        {
            Assert.That(uninstalled.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var store = backend.Services.GetRequiredService<IStore>();
        Assert.That((await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), string.Empty), default)).Items, Is.Empty, "uninstall wiped the tenant");

        var restored = await RunAsync(OperatorCommands.BackupRestoreAsync, local, "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable);

        Assert.That(restored, Does.Contain($"restored tenant {tenant}"));
        Assert.That((await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), Keys.RuleVersionInfoPrefix(ruleId)), default)).Items, Has.Count.EqualTo(2),
            "the history's listing lines are restored with their versions, not rebuilt by the first read");
        var versions = await backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}/versions", tenant);
        Assert.That(versions.ToJsonString(), Does.Contain("\"version\":2").And.Contain("\"version\":1"), "every rule version is back");
        var hooks = ActivatorUtilities.CreateInstance<WebhookService>(backend.Services);
        var hook = await hooks.GetAsync(new TenantId(tenant), hookId, default);
        Assert.That(await hooks.RevealSecretAsync(new TenantId(tenant), hook!, default), Is.EqualTo(hookSecret), "the webhook signing secret survived");
        await AssertRuleRunsWithSecretAsync(backend, tenant, secret);

        Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, local, "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<CliException>().With.Message.Contains("refusing to restore"), "never into a tenant that has items");
    }

    [Test]
    public async Task A_SQLite_backup_restores_into_DynamoDB_with_KMS_and_works_there()
    {
        await using var source = await BackendHost.StartAsync(_issuer);
        var (tenant, secret, ruleId, _, _) = await SeedAsync(source);
        var file = Path.Combine(_backupDirectory, "to-dynamo.bbk");
        var keyFile = Path.Combine(_backupDirectory, "backup.key");
        await File.WriteAllTextAsync(keyFile, "a key file passphrase " + Guid.NewGuid());
        await RunAsync(OperatorCommands.BackupExportAsync, Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = source.DataDirectory }),
            "backup", "export", "--tenant", tenant, "--out", file, "--key-file", keyFile);

        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        var aws = table.Settings();
        aws["Keys:Provider"] = "Kms";
        aws["Keys:KmsKeyId"] = kms.CreateKey();
        aws["Keys:KmsServiceUrl"] = kms.Address.ToString();
        aws["Storage:DataDirectory"] = Path.Combine(_backupDirectory, "unused");
        await RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--key-file", keyFile);

        await using var target = await BackendHost.StartAsync(_issuer, aws);
        var connections = target.Services.GetRequiredService<ConnectionService>();
        var connection = (await connections.ListAsync(new TenantId(tenant), default)).Single();
        Assert.That(await connections.RevealSecretAsync(new TenantId(tenant), connection, default), Is.EqualTo(secret), "decrypts under the new KMS-wrapped data key");
        Assert.That((string?)(await target.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}", tenant))["name"], Is.EqualTo("Create ticket when done"));
        Assert.That(kms.Operations, Does.Contain("GenerateDataKey"));
        await AssertRuleRunsWithSecretAsync(target, tenant, secret);
    }

    /// <summary>
    /// KMS refusing the target's key (the operator's role without kms:GenerateDataKey, a key still disabled) stopped the
    /// restore after the tenant's META was written, and every later attempt was refused as a restore into a tenant
    /// that has items, with nothing to uninstall on a new store. Secrets are now sealed before anything is written.
    /// </summary>
    [Test]
    public async Task A_restore_refused_by_KMS_writes_nothing_and_runs_again_once_the_key_is_usable()
    {
        await using var source = await BackendHost.StartAsync(_issuer);
        var (tenant, secret, _, _, _) = await SeedAsync(source);
        var file = Path.Combine(_backupDirectory, "kms-refused.bbk");
        await RunAsync(OperatorCommands.BackupExportAsync, Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = source.DataDirectory }),
            "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable);

        await using var kms = await KmsFake.StartAsync();
        using var table = await DynamoDbTable.CreateAsync();
        var aws = table.Settings();
        var key = kms.CreateKey();
        aws["Keys:Provider"] = "Kms";
        aws["Keys:KmsKeyId"] = key;
        aws["Keys:KmsServiceUrl"] = kms.Address.ToString();
        aws["Storage:DataDirectory"] = Path.Combine(_backupDirectory, "unused-kms-refused");
        kms.DisableKey(key);
        Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<CliException>().With.Message.Contains("DisabledException"));
        var entry = await table.Client.GetItemAsync(new Amazon.DynamoDBv2.Model.GetItemRequest
        {
            TableName = table.Name,
            Key = new() { ["pk"] = new(Keys.DirectoryPk), ["sk"] = new(Keys.DirectoryEntry(tenant)) },
            ConsistentRead = true,
        });
        Assert.That(entry.IsItemSet, Is.False, "before, sealing the first secret listed the tenant before KMS refused, and the entry stayed");

        kms.EnableKey(key);
        var restored = await RunAsync(OperatorCommands.BackupRestoreAsync, Configuration(aws), "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable);

        Assert.That(restored, Does.Contain($"restored tenant {tenant}").And.Contain("1 CONN#"));
        await using var target = await BackendHost.StartAsync(_issuer, aws);
        var connections = target.Services.GetRequiredService<ConnectionService>();
        var connection = (await connections.ListAsync(new TenantId(tenant), default)).Single();
        Assert.That(await connections.RevealSecretAsync(new TenantId(tenant), connection, default), Is.EqualTo(secret));
    }

    [Test]
    public async Task A_wrong_passphrase_or_an_altered_file_is_refused()
    {
        await using var backend = await BackendHost.StartAsync(_issuer);
        var (tenant, _, _, _, _) = await SeedAsync(backend);
        var local = Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = backend.DataDirectory });
        var file = Path.Combine(_backupDirectory, "wrong.bbk");
        await RunAsync(OperatorCommands.BackupExportAsync, local, "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable);
        var wrongKey = Path.Combine(_backupDirectory, "wrong.key");
        await File.WriteAllTextAsync(wrongKey, "not the right passphrase at all");
        var header = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        header["iterations"] = 600_001;
        var altered = Path.Combine(_backupDirectory, "altered.bbk");
        await File.WriteAllTextAsync(altered, header.ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, local, "backup", "restore", "--in", file, "--key-file", wrongKey, "--tenant", Samples.NewTenant()),
                Throws.InstanceOf<CliException>().With.Message.Contains("cannot decrypt"));
            Assert.That(() => RunAsync(OperatorCommands.BackupRestoreAsync, local, "backup", "restore", "--in", altered, "--passphrase-env", PassphraseVariable, "--tenant", Samples.NewTenant()),
                Throws.InstanceOf<CliException>().With.Message.Contains("cannot decrypt"), "the header is authenticated too");
            Assert.That(() => RunAsync(OperatorCommands.BackupExportAsync, local, "backup", "export", "--tenant", Samples.NewTenant(), "--out", file + "2", "--passphrase-env", PassphraseVariable),
                Throws.InstanceOf<CliException>().With.Message.Contains("has no configuration"));
        });
    }

    [Test]
    public void An_export_from_a_data_directory_that_holds_no_store_is_refused_and_nothing_is_created_there()
    {
        // A mistyped --data-dir created an empty database and key ring there before saying the tenant had no configuration.
        var directory = Path.Combine(_backupDirectory, "mistyped-" + Guid.NewGuid().ToString("N"));
        var local = Configuration(new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory });
        Assert.That(() => RunAsync(OperatorCommands.BackupExportAsync, local, "backup", "export", "--tenant", Samples.NewTenant(), "--out", Path.Combine(_backupDirectory, "none.bbk"), "--passphrase-env", PassphraseVariable),
            Throws.InstanceOf<CliException>().With.Message.Contains("no BluBees store in " + Path.GetFullPath(directory)));
        Assert.That(Directory.Exists(directory), Is.False, "nothing is created in the directory given");
        Assert.That(File.Exists(Path.Combine(_backupDirectory, "none.bbk")), Is.False, "no backup file either");
    }
}
