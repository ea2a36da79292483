using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees backup restore</c> into an installation whose uninstall is recorded as pending (<c>uninstalling/</c>: the
/// embedded store's uninstall accepted, its deletion not finished; here its erase had emptied the partition and the
/// process stopped before the record was removed). The restore read only the store's mark, which it clears: it wrote the
/// tenant back, said "restored", and the backend's <c>PendingUninstallService</c> erased all of it again at its next
/// start or minute — the operator's restore silently undone, and for that time the tenant's secrets sealed under a new
/// data key of an installation being uninstalled. It is refused now, as the export is (<c>CliExportPendingUninstallTests</c>),
/// naming the pending uninstall, before anything is written or sealed.
/// </summary>
public sealed class CliRestorePendingUninstallTests
{
    private const string PassphraseVariable = "BLUBEES_TEST_PASSPHRASE";
    private static readonly Dictionary<string, string> Passphrase = new() { [PassphraseVariable] = "correct horse battery staple" };

    [Test]
    public async Task A_restore_into_an_installation_whose_uninstall_is_pending_is_refused_and_writes_nothing()
    {
        await using var issuer = await TestIssuer.StartAsync();
        var tenant = Samples.NewTenant();
        var name = Samples.Canary("conn");
        var dir = Directory.CreateTempSubdirectory("blubees-cli-restore-pending-").FullName;
        try
        {
            var file = Path.Combine(dir, "tenant.bbk");
            await using (var backend = await BackendHost.StartAsync(issuer))
            {
                var connection = Samples.Connection(new Uri("http://127.0.0.1:9/"), "t0ken");
                connection["name"] = name;
                await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201);
                var exported = await CliProcess.RunAsync(Passphrase, dir,
                    "backup", "export", "--tenant", tenant, "--out", file, "--passphrase-env", PassphraseVariable, "--data-dir", backend.DataDirectory);
                Assert.That(exported.Code, Is.Zero, exported.Stdout + exported.Stderr);
            }

            // The target: the installation's uninstall recorded and not finished (its partition already empty).
            var target = Path.Combine(dir, "target");
            new PendingUninstalls(Path.Combine(target, PendingUninstalls.DirectoryName)).Record(new TenantId(tenant));

            var (code, stdout, stderr) = await CliProcess.RunAsync(Passphrase, dir,
                "backup", "restore", "--in", file, "--passphrase-env", PassphraseVariable, "--data-dir", target);

            Assert.Multiple(async () =>
            {
                Assert.That(code, Is.Not.Zero, stdout + stderr);
                Assert.That(stderr, Does.Contain("uninstall").And.Contain("pending").And.Contain("nothing was written"), stderr);
                Assert.That(stdout, Does.Not.Contain("restored"));
                var keyShares = Path.Combine(target, "tenant-keys");
                Assert.That(Directory.Exists(keyShares) ? Directory.GetFileSystemEntries(keyShares) : [], Is.Empty, "no data key, share or secret share made for it");
                if (File.Exists(Path.Combine(target, "blubees.db")))
                {
                    using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = target }), TimeProvider.System);
                    var items = await store.ForTenant(new TenantId(tenant)).QueryAsync(new TenantQuery(string.Empty) { Limit = 10 }, CancellationToken.None);
                    Assert.That(items.Items.Select(i => i.Sk), Is.Empty, "nothing of the tenant written");
                }
            });
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
