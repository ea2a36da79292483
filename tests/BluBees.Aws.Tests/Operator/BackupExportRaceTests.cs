using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Storage;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Operator;

/// <summary>
/// <c>blubees backup export</c> while an admin saves a rule: the export reads the versions, then the heads. The
/// proxy holds the export's query of the heads while the rule is saved again (a new version and the head pointing
/// at it). Before, the backup held the new head without its version: restored, the rule answered 404 (its current
/// version missing) and never ran.
/// </summary>
[TestFixture]
public sealed class BackupExportRaceTests : FaultyTableFixture
{
    private const string PassphraseVariable = "BLUBEES_TEST_RACE_PASSPHRASE";

    [Test]
    public async Task A_rule_saved_while_the_export_runs_is_restored_with_its_current_version()
    {
        var tenant = Samples.NewTenant();
        var connection = await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s3cret"), 201);
        var rule = await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!, "First name"), 201);
        var ruleId = (string)rule["id"]!;
        var directory = Directory.CreateTempSubdirectory("blubees-export-race-").FullName;
        Environment.SetEnvironmentVariable(PassphraseVariable, "correct horse battery staple");
        try
        {
            var settings = Table.Settings();
            settings["Storage:DynamoDbServiceUrl"] = Proxy.Address.ToString();
            settings["Storage:DataDirectory"] = Api.DataDirectory; // the backend's key ring
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var file = Path.Combine(directory, "race.bbk");

            // The export's query of the rule heads (prefix RULE#, not RULEV#) waits while the rule is saved again.
            var held = Proxy.Hold((operation, request) => operation == "Query" && request.ToJsonString().Contains("\"RULE#\"", StringComparison.Ordinal));
            using var exportOutput = new StringWriter();
            var export = Task.Run(() => OperatorCommands.BackupExportAsync(
                new CliArgs(["backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable]), configuration, exportOutput));
            await held.WaitAsync(TimeSpan.FromSeconds(60));
            await Api.JsonAsync(HttpMethod.Put, $"/api/rules/{ruleId}", tenant, Samples.Rule((string)connection["id"]!, "Saved during the export"), 200);
            Proxy.ReleaseHeld();
            Assert.That(await export.WaitAsync(TimeSpan.FromSeconds(60)), Is.Zero, exportOutput.ToString());

            var restoredTenant = Samples.NewTenant();
            using var restoreOutput = new StringWriter();
            Assert.That(await OperatorCommands.BackupRestoreAsync(
                new CliArgs(["backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--tenant", restoredTenant]), configuration, restoreOutput), Is.Zero, restoreOutput.ToString());

            using var restored = await Api.SendAsync(HttpMethod.Get, $"/api/rules/{ruleId}", restoredTenant);
            var body = await restored.Content.ReadAsStringAsync();
            Assert.That((int)restored.StatusCode, Is.EqualTo(200), body);
            Assert.That(body, Does.Contain("Saved during the export"), "the head's current version came with it");
        }
        finally
        {
            Proxy.ReleaseHeld();
            Environment.SetEnvironmentVariable(PassphraseVariable, null);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task A_connection_created_and_used_by_a_rule_while_the_export_runs_is_exported_with_its_secret()
    {
        var tenant = Samples.NewTenant();
        var first = await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s3cret"), 201);
        var rule = await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)first["id"]!, "First name"), 201);
        var ruleId = (string)rule["id"]!;
        var directory = Directory.CreateTempSubdirectory("blubees-export-race-").FullName;
        Environment.SetEnvironmentVariable(PassphraseVariable, "correct horse battery staple");
        try
        {
            var settings = Table.Settings();
            settings["Storage:DynamoDbServiceUrl"] = Proxy.Address.ToString();
            settings["Storage:DataDirectory"] = Api.DataDirectory;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var file = Path.Combine(directory, "race-connection.bbk");

            // The connections are already read when the heads' query is held: a new connection and the rule moved to it.
            var held = Proxy.Hold((operation, request) => operation == "Query" && request.ToJsonString().Contains("\"RULE#\"", StringComparison.Ordinal));
            using var exportOutput = new StringWriter();
            var export = Task.Run(() => OperatorCommands.BackupExportAsync(
                new CliArgs(["backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable]), configuration, exportOutput));
            await held.WaitAsync(TimeSpan.FromSeconds(60));
            var second = await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "second-s3cret"), 201);
            await Api.JsonAsync(HttpMethod.Put, $"/api/rules/{ruleId}", tenant, Samples.Rule((string)second["id"]!, "Moved to the new connection"), 200);
            Proxy.ReleaseHeld();
            Assert.That(await export.WaitAsync(TimeSpan.FromSeconds(60)), Is.Zero, exportOutput.ToString());

            var restoredTenant = Samples.NewTenant();
            using var restoreOutput = new StringWriter();
            Assert.That(await OperatorCommands.BackupRestoreAsync(
                new CliArgs(["backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--tenant", restoredTenant]), configuration, restoreOutput), Is.Zero, restoreOutput.ToString());

            var connections = Api.Services.GetRequiredService<ConnectionService>();
            var restored = await connections.GetAsync(new TenantId(restoredTenant), (string)second["id"]!, default);
            Assert.That(restored, Is.Not.Null, "the connection the restored rule uses came with it");
            Assert.That(await connections.RevealSecretAsync(new TenantId(restoredTenant), restored!, default), Is.EqualTo("second-s3cret"));
        }
        finally
        {
            Proxy.ReleaseHeld();
            Environment.SetEnvironmentVariable(PassphraseVariable, null);
            Directory.Delete(directory, recursive: true);
        }
    }
}
