using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees backup</c> as an operator meets it: the real CLI as a process against the data directory of a real
/// backend on Kestrel (docs/operations.md "Backup and restore of a tenant's configuration").
/// </summary>
public sealed class CliBackupTests
{
    private const string PassphraseVariable = "BLUBEES_TEST_PASSPHRASE";
    private static readonly Dictionary<string, string> Passphrase = new() { [PassphraseVariable] = "correct horse battery staple" };

    private static async Task<(BackendHost Backend, TestIssuer Issuer, string Tenant)> InstalledTenantAsync()
    {
        var issuer = await TestIssuer.StartAsync();
        var backend = await BackendHost.StartAsync(issuer);
        var tenant = Samples.NewTenant();
        using var installed = await backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }, withUserToken: false);
        Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return (backend, issuer, tenant);
    }

    [Test]
    public async Task An_export_over_an_existing_world_readable_file_leaves_an_owner_only_file_and_nothing_beside_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes; the suite runs on Linux
        }

        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-backup-").FullName;
        try
        {
            // A previous backup (or a placeholder) at the path, readable by every local user.
            var file = Path.Combine(dir, "tenant.bbk");
            await File.WriteAllTextAsync(file, "old");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory);

            Assert.That(code, Is.Zero, stdout + stderr);
            Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the secrets' file is the owner's only (docs: written with mode 0600)");
            Assert.That(JsonNode.Parse(await File.ReadAllTextAsync(file))!["format"]!.GetValue<string>(), Is.EqualTo("blubees-backup"));
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "tenant.bbk" }), "no temporary file left");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    [Test]
    public async Task An_export_over_an_earlier_backup_zeroes_it_so_no_other_name_of_its_file_still_reads_it()
    {
        // The earlier backup holds the secrets as they were (some since deleted or replaced), sealed under the
        // passphrase. The rename of the new file over it only unlinked it: a hard link taken before (a hard-link
        // snapshot of the backup directory) still read it whole.
        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-backup-").FullName;
        try
        {
            var file = Path.Combine(dir, "tenant.bbk");
            string[] export = ["backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory];
            var first = await CliProcess.RunAsync(Passphrase, dir, export);
            Assert.That(first.Code, Is.Zero, first.Stdout + first.Stderr);
            var link = Path.Combine(dir, "snapshot.bbk");
            using (var ln = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ln", [file, link]) { RedirectStandardError = true })!)
            {
                var error = await ln.StandardError.ReadToEndAsync(); // ln: .NET creates no hard links
                await ln.WaitForExitAsync();
                Assert.That(ln.ExitCode, Is.Zero, "ln: " + error);
            }

            Assert.That(JsonNode.Parse(await File.ReadAllTextAsync(link))!["format"]!.GetValue<string>(), Is.EqualTo("blubees-backup"), "control: the link reads the earlier backup");

            var second = await CliProcess.RunAsync(Passphrase, dir, export);

            Assert.That(second.Code, Is.Zero, second.Stdout + second.Stderr);
            Assert.That(JsonNode.Parse(await File.ReadAllTextAsync(file))!["format"]!.GetValue<string>(), Is.EqualTo("blubees-backup"), "the new backup is whole");
            Assert.That((await File.ReadAllBytesAsync(link)).Where(b => b != 0), Is.Empty, "the replaced backup is still readable through another name of its file");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    [Test]
    public async Task A_mistyped_option_is_refused_naming_it_before_anything_is_restored_rotated_or_exported()
    {
        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-options-").FullName;
        try
        {
            var file = Path.Combine(dir, "tenant.bbk");
            var exported = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory);
            Assert.That(exported.Code, Is.Zero, exported.Stdout + exported.Stderr);
            var target = Path.Combine(dir, "target");
            var ring = await File.ReadAllTextAsync(Path.Combine(backend.DataDirectory, "keyring.json"));
            const string secret = "hunter2-passphrase-on-the-command-line";
            (string[] Args, string Named)[] cases =
            [
                // --tenat: the restore went under the backup's own installation id, not the new one.
                (["backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--tenat", Samples.NewTenant(), "--data-dir", target], "--tenat"),
                // --retire yes: 'retire' read as an option with a value, so the rotation ran without retiring.
                (["keys", "rotate", "--retire", "yes", "--data-dir", backend.DataDirectory], "--retire"),
                (["keys", "rotate", "now", "--data-dir", backend.DataDirectory], "'now'"),
                (["keys", "retire", "--data-dri", backend.DataDirectory, "--data-dir", backend.DataDirectory], "--data-dri"),
                (["backup", "export", "--tenant", tenant, "--out", Path.Combine(dir, "second.bbk"), "--passphrase", secret, "--key-file", Path.Combine(dir, "none"), "--data-dir", backend.DataDirectory], "--passphrase"),
            ];
            foreach (var (args, named) in cases)
            {
                var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir, args);
                var what = string.Join(' ', args);
                Assert.That(code, Is.EqualTo(2), what + ": " + stdout + stderr);
                Assert.That(stderr, Does.Contain("error:").And.Contain(named).And.Not.Contain("   at "), what);
                Assert.That(stdout + stderr, Does.Not.Contain(secret), "an option's value is never printed");
                Assert.That(stdout, Does.Not.Contain("restored").And.Not.Contain("exported").And.Not.Contain("rotat"), what);
            }

            Assert.That(Directory.Exists(target), Is.False, "nothing restored");
            Assert.That(File.Exists(Path.Combine(dir, "second.bbk")), Is.False, "nothing exported");
            Assert.That(await File.ReadAllTextAsync(Path.Combine(backend.DataDirectory, "keyring.json")), Is.EqualTo(ring), "nothing rotated");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    /// <summary>
    /// The file's content carries its own format version (TenantBackup.Version), which restore never read: a backup a
    /// newer release wrote (items or fields this build does not know how to restore) was restored as if it were this
    /// build's own, and the command said 'restored'.
    /// </summary>
    [Test]
    public async Task A_backup_of_a_newer_format_version_is_refused_before_anything_is_written()
    {
        var dir = Directory.CreateTempSubdirectory("blubees-cli-version-").FullName;
        try
        {
            var tenant = Samples.NewTenant();
            var file = Path.Combine(dir, "newer.bbk");
            BluBees.Cli.Operator.BackupFile.Write(file,
                new BluBees.Cli.Operator.TenantBackup(BluBees.Cli.Operator.TenantBackup.CurrentVersion + 1, tenant, DateTimeOffset.UtcNow,
                    [new BluBees.Cli.Operator.BackupItem("META", new JsonObject { ["tenantId"] = tenant, ["cloudId"] = "cloud-1" }.ToJsonString())]),
                Passphrase[PassphraseVariable]);
            var target = Path.Combine(dir, "target");

            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--data-dir", target);

            Assert.That(code, Is.EqualTo(2), stdout + stderr);
            Assert.That(stderr, Does.Contain($"format version {BluBees.Cli.Operator.TenantBackup.CurrentVersion + 1}").And.Not.Contain("   at "), stderr);
            Assert.That(stdout, Does.Not.Contain("restored"));
            Assert.That(Directory.Exists(target), Is.False, "nothing written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A backup a newer release wrote with content this one does not know (a member of the file or of an item): the
    /// strict read of the content threw before its version was looked at, and the command crashed with a stack trace.
    /// Refused naming the format version (or, at this version, saying it cannot be read), nothing written.
    /// </summary>
    [TestCase(TenantBackupVersion.Newer)]
    [TestCase(TenantBackupVersion.Same)]
    public async Task A_backup_with_content_this_release_does_not_know_is_refused_plainly(TenantBackupVersion which)
    {
        var dir = Directory.CreateTempSubdirectory("blubees-cli-unknown-").FullName;
        try
        {
            var tenant = Samples.NewTenant();
            var version = BluBees.Cli.Operator.TenantBackup.CurrentVersion + (which == TenantBackupVersion.Newer ? 1 : 0);
            var file = Path.Combine(dir, "later.bbk");
            var content = new JsonObject
            {
                ["version"] = version,
                ["tenantId"] = tenant,
                ["exportedAt"] = "2026-12-01T00:00:00+00:00",
                ["items"] = new JsonArray(new JsonObject { ["sk"] = "META", ["data"] = "{}", ["laterBuildMember"] = "sealed elsewhere" }),
            };
            BluBees.Cli.Operator.BackupFile.Write(file, System.Text.Encoding.UTF8.GetBytes(content.ToJsonString()), Passphrase[PassphraseVariable]);
            var target = Path.Combine(dir, "target");

            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--data-dir", target);

            Assert.That(code, Is.EqualTo(2), stdout + stderr);
            Assert.That(stderr, Does.Contain(which == TenantBackupVersion.Newer ? $"format version {version}" : "cannot read").And.Not.Contain("   at ").And.Not.Contain("sealed elsewhere"), stderr);
            Assert.That(stdout, Does.Not.Contain("restored"));
            Assert.That(Directory.Exists(target), Is.False, "nothing written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public enum TenantBackupVersion
    {
        Same,
        Newer,
    }

    /// <summary>
    /// Both ways of giving the passphrase at once: the environment variable won silently, so a backup was sealed under
    /// a passphrase other than the key file the operator keeps for it, and restoring with that file was refused for good.
    /// </summary>
    [Test]
    public async Task Two_passphrases_at_once_are_refused_before_anything_is_written()
    {
        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-two-").FullName;
        try
        {
            var keyFile = Path.Combine(dir, "backup.key");
            await File.WriteAllTextAsync(keyFile, "the key file's own passphrase");
            var file = Path.Combine(dir, "tenant.bbk");

            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--key-file", keyFile, "--data-dir", backend.DataDirectory);

            Assert.That(code, Is.EqualTo(2), stdout + stderr);
            Assert.That(stderr, Does.Contain("--passphrase-env").And.Contain("--key-file").And.Not.Contain("the key file's own passphrase").And.Not.Contain("correct horse"));
            Assert.That(File.Exists(file), Is.False, "nothing written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    /// <summary>
    /// An input that never ends (a device such as /dev/zero, a pipe) was read whole with File.ReadAllBytes/ReadAllText
    /// until the process ran out of memory; now refused at once, naming the option.
    /// </summary>
    [TestCase("--in")]
    [TestCase("--key-file")]
    public async Task An_input_file_that_never_ends_is_refused_naming_its_option(string option)
    {
        var (backend, issuer, _) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-endless-").FullName;
        try
        {
            var keyFile = Path.Combine(dir, "backup.key");
            await File.WriteAllTextAsync(keyFile, "\uFEFFthe key file's own passphrase\n");
            string[] args = option == "--in"
                ? ["backup", "restore", "--in", "/dev/zero", "--key-file", keyFile, "--data-dir", backend.DataDirectory]
                : ["backup", "restore", "--in", Path.Combine(dir, "none.bbk"), "--key-file", "/dev/zero", "--data-dir", backend.DataDirectory];

            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir, args);

            Assert.That(code, Is.EqualTo(2), stdout + stderr);
            Assert.That(stderr, Does.Contain(option).And.Contain("not a regular file").And.Not.Contain("   at "));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    /// <summary>
    /// After a rollback, a tenant whose rule (head and version) and connection a later build saved: the export read the
    /// head and the connection strictly and failed, so no backup could be taken. A backup copies what is stored: restored
    /// into a fresh data directory, the rule's items are the stored ones byte for byte, and the connection too but for
    /// its secret's ciphertext (sealed again under the target's key, where it stood), the later build's member kept.
    /// </summary>
    [Test]
    public async Task Items_a_later_build_saved_are_exported_and_restored_as_stored()
    {
        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-later-").FullName;
        try
        {
            var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), "t0ken"), 201))["id"]!.GetValue<string>();
            var rule = (await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = "Later",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/x" }),
            }, 201))["id"]!.GetValue<string>();
            var source = backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
            var stored = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var sk in new[] { Keys.Rule(rule), Keys.RuleVersion(rule, 1), Keys.Connection(connection) })
            {
                var item = (await source.GetAsync(sk, CancellationToken.None))!;
                stored[sk] = "{\"laterBuildMember\":{\"kept\":[1,\"x\"]}," + item.Data[1..];
                await source.PutAsync(sk, stored[sk], CancellationToken.None);
            }

            var file = Path.Combine(dir, "tenant.bbk");
            var exported = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory);
            Assert.That(exported.Code, Is.Zero, exported.Stdout + exported.Stderr);
            var target = Path.Combine(dir, "target");
            var restored = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--data-dir", target);
            Assert.That(restored.Code, Is.Zero, restored.Stdout + restored.Stderr);

            using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = target }), TimeProvider.System);
            var copy = store.ForTenant(new TenantId(tenant));
            Assert.That((await copy.GetAsync(Keys.Rule(rule), CancellationToken.None))!.Data, Is.EqualTo(stored[Keys.Rule(rule)]), "the head, byte for byte");
            Assert.That((await copy.GetAsync(Keys.RuleVersion(rule, 1), CancellationToken.None))!.Data, Is.EqualTo(stored[Keys.RuleVersion(rule, 1)]), "the version, byte for byte");
            var conn = (await copy.GetAsync(Keys.Connection(connection), CancellationToken.None))!.Data;
            var resealed = JsonNode.Parse(conn)!["secretCiphertext"]!.GetValue<string>();
            var sealedBefore = JsonNode.Parse(stored[Keys.Connection(connection)])!["secretCiphertext"]!.GetValue<string>();
            Assert.That(resealed, Is.Not.EqualTo(sealedBefore), "sealed again under the target's key");
            Assert.That(conn, Is.EqualTo(stored[Keys.Connection(connection)].Replace(
                    System.Text.Json.JsonSerializer.Serialize(sealedBefore), System.Text.Json.JsonSerializer.Serialize(resealed), StringComparison.Ordinal)),
                "the connection byte for byte as stored (the later build's member kept, every member where it stood) but for its ciphertext");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    /// <summary>
    /// An uninstall marks the installation before it erases anything, and an erase cut off (the backend killed, the file
    /// locked) is finished only by a later retention purge. An export in between read the whole partition and wrote the
    /// uninstalled tenant's secrets, decrypted, into a new backup file that outlives the uninstall; it is refused now,
    /// also once the data key is gone with definitions left (docs/operations.md, "Backup and restore").
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public async Task An_uninstalled_installation_whose_erase_has_not_finished_is_not_exported(bool dataKeyErased)
    {
        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-uninstalled-").FullName;
        try
        {
            var secret = "canary-secret-" + Guid.NewGuid().ToString("N");
            var literal = "canary-literal-" + Guid.NewGuid().ToString("N");
            var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), secret), 201))["id"]!.GetValue<string>();
            await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = "Uninstalled",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/x", ["body"] = literal }),
            }, 201);

            // What the uninstall does first (TenantService.UninstallAsync), and then, when cut off, nothing more (or only
            // the data key's delete, its first step).
            var id = new TenantId(tenant);
            await backend.Services.GetRequiredService<BluBees.Engine.Tenancy.UninstalledInstallations>().MarkAsync(id, CancellationToken.None);
            if (dataKeyErased)
            {
                await backend.Services.GetRequiredService<IStore>().ForTenant(id).DeleteAsync(Keys.DataKey, CancellationToken.None);
            }

            var file = Path.Combine(dir, "tenant.bbk");
            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory);

            Assert.That(code, Is.Not.Zero, stdout + stderr);
            Assert.That(stderr, Does.Contain("uninstalled"), stderr);
            Assert.That(File.Exists(file), Is.False, "no backup of an uninstalled installation");
            Assert.That(Directory.GetFiles(dir), Is.Empty, "nothing written beside it either");
            Assert.That(stdout + stderr, Does.Not.Contain(secret).And.Not.Contain(literal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }

    /// <summary>An installation id pasted with a space or line break: restored under an id no Forge token names, exit 0.</summary>
    [Test]
    public async Task A_tenant_id_with_a_space_or_line_break_is_refused_naming_tenant()
    {
        var (backend, issuer, tenant) = await InstalledTenantAsync();
        var dir = Directory.CreateTempSubdirectory("blubees-cli-space-").FullName;
        try
        {
            var file = Path.Combine(dir, "tenant.bbk");
            var exported = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory);
            Assert.That(exported.Code, Is.Zero, exported.Stdout + exported.Stderr);
            var target = Path.Combine(dir, "target");
            foreach (var pasted in new[] { Samples.NewTenant() + " ", Samples.NewTenant() + "\n" })
            {
                var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                    "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--tenant", pasted, "--data-dir", target);
                Assert.That(code, Is.EqualTo(2), stdout + stderr);
                Assert.That(stderr, Does.Contain("--tenant"));
                Assert.That(stdout, Does.Not.Contain("restored"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await backend.DisposeAsync();
            await issuer.DisposeAsync();
        }
    }
}
