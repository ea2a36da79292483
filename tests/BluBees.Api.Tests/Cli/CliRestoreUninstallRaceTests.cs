using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// An operator's <c>blubees backup restore</c> racing the installation's uninstall (Forge's preUninstall reaching the
/// backend while the restore writes). The uninstall marks the installation and erases what the restore had written so
/// far; the restore then wrote the rest and, as its last step, cleared the uninstall mark and listed the tenant: the
/// restored rule and connection (name, URL) of an uninstalled installation stayed for good, with no uninstall to come,
/// its secrets sealed under shares the uninstall had shredded. The uninstall wins now: the restore sees the new mark
/// before it clears anything, deletes what it wrote and says so.
/// </summary>
public sealed class CliRestoreUninstallRaceTests : BackendFixture
{
    [Test]
    public async Task An_uninstall_while_a_restore_writes_wins_and_leaves_nothing_of_the_restore()
    {
        var tenant = Samples.NewTenant();
        var name = Samples.Canary("conn-name");
        var store = Backend.Services.GetRequiredService<IStore>();
        var backup = new TenantBackup(TenantBackup.CurrentVersion, tenant, DateTimeOffset.UtcNow,
        [
            new BackupItem(Keys.Connection("conn_cccccccccccccccccccc"), $$"""{"id":"conn_cccccccccccccccccccc","name":"{{name}}"}""", Secret: Samples.Canary("restored")),
            new BackupItem(Keys.Webhook("hook_cccccccccccccccccccc"), """{"id":"hook_cccccccccccccccccccc","name":"Deploys"}""", Secret: Samples.Canary("hook")),
        ]);
        var uninstalls = 0;
        var racing = new UninstallBeforeWrite(store, Keys.WebhookPrefix, async () =>
        {
            using var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject(), withUserToken: false);
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            uninstalls++;
        });
        var restorer = new BackupRestorer(racing, Backend.Services.GetRequiredService<SecretCipher>(), Backend.Services.GetRequiredService<TenantService>(),
            Backend.Services.GetRequiredService<TenantKeyService>());

        Assert.That(async () => await restorer.RestoreAsync(backup, new TenantId(tenant), CancellationToken.None),
            Throws.InstanceOf<CliException>().With.Message.Contain("uninstalled"));

        Assert.That(uninstalls, Is.EqualTo(1), "control: the uninstall ran between the restore's writes");
        var left = await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), string.Empty) { Limit = 20 }, CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(left.Items.Select(i => i.Sk), Is.Empty, "items of the restore left in the uninstalled installation's partition");
            Assert.That(await store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant), CancellationToken.None), Is.Null, "listed in the directory");
            Assert.That(await store.GetAsync(Keys.UninstalledPk, Keys.UninstalledSk(new TenantId(tenant)), CancellationToken.None), Is.Not.Null,
                "the uninstall's mark stays (every later request of the installation is refused)");
            var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant)));
            var tenantKeys = Path.Combine(Backend.DataDirectory, TenantKeyShares.DirectoryName);
            Assert.That(Directory.EnumerateFileSystemEntries(tenantKeys, "*", SearchOption.AllDirectories).Select(Path.GetFileName), Has.None.StartsWith(sha),
                "a key share of the tenant in tenant-keys/");
        });
        using var list = await Backend.SendAsync(HttpMethod.Get, "/api/connections", tenant);
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the installation stays uninstalled");
    }

    /// <summary>Runs <paramref name="before"/> once, before the first conditional write of an item under <paramref name="prefix"/>.</summary>
    private sealed class UninstallBeforeWrite(IStore inner, string prefix, Func<Task> before) : IStore
    {
        private Func<Task>? _before = before;

        public async Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct)
        {
            if (item.Sk.StartsWith(prefix, StringComparison.Ordinal) && Interlocked.Exchange(ref _before, null) is { } run)
            {
                await run();
            }

            return await inner.PutIfAbsentAsync(item, ct);
        }

        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);

        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
