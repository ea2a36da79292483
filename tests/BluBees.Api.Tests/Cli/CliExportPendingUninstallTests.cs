using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees backup export</c> of an installation whose uninstall was accepted but not finished (the backend answered
/// 202 "uninstalling" while another process held the database's write lock, then stopped or was killed before its
/// deletion ran): the uninstall's record is in <c>uninstalling/</c>, its mark not yet in the store. The export read only
/// the store's mark, so it wrote the tenant's secrets, decrypted, into a new file that the uninstall never reaches.
/// </summary>
[NonParallelizable]
public sealed class CliExportPendingUninstallTests() : ChildProcessTests("export-pending")
{
    private const string PassphraseVariable = "BLUBEES_TEST_PASSPHRASE";
    private static readonly Dictionary<string, string> Passphrase = new() { [PassphraseVariable] = "correct horse battery staple" };

    [Test]
    public async Task An_installation_whose_uninstall_is_pending_is_not_exported()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        await using (var backend = await BackendProcess.StartAsync(DataDirectory))
        {
            await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), secret));
            await backend.KillAsync();
        }

        // What the uninstall records first, before its mark (TenantService.UninstallWithinAsync), and then nothing more.
        new PendingUninstalls(Path.Combine(DataDirectory, PendingUninstalls.DirectoryName)).Record(new TenantId(tenant));
        var dir = Directory.CreateTempSubdirectory("blubees-cli-pending-").FullName;
        try
        {
            var file = Path.Combine(dir, "tenant.bbk");
            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", DataDirectory);

            Assert.Multiple(() =>
            {
                Assert.That(code, Is.Not.Zero, stdout + stderr);
                Assert.That(stderr, Does.Contain("uninstalled"), stderr);
                Assert.That(Directory.GetFiles(dir), Is.Empty, "no backup of an installation being uninstalled, nothing beside it");
                Assert.That(stdout + stderr, Does.Not.Contain(secret));
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
