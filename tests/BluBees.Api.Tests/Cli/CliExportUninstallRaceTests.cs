using System.Net;
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
/// An operator's <c>blubees backup export</c> racing the installation's uninstall (Forge's preUninstall reaching the
/// backend while the export reads). The export checked the uninstall mark once, first; it then read and decrypted the
/// connections' secrets, the uninstall marked and erased the tenant, and the export went on and returned the backup, which
/// the command wrote to the file: the uninstalled tenant's secrets in clear inside a file the crypto-shredding never
/// reaches. The export reads the mark again once it has read everything, before anything is written, and refuses.
/// </summary>
public sealed class CliExportUninstallRaceTests : BackendFixture
{
    [Test]
    public async Task An_uninstall_while_an_export_reads_leaves_no_backup_of_the_uninstalled_tenant()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("exported-secret");
        await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), secret), 201);
        var uninstalls = 0;
        // The connections (and their secrets) are read first; the uninstall comes before the webhooks are.
        var racing = new UninstallBeforeQuery(Backend.Services.GetRequiredService<IStore>(), Keys.WebhookPrefix, async () =>
        {
            using var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject(), withUserToken: false);
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            uninstalls++;
        });
        var exporter = new BackupExporter(racing, Backend.Services.GetRequiredService<SecretCipher>(), TimeProvider.System,
            Backend.Services.GetRequiredService<PendingUninstalls>());

        TenantBackup? backup = null;
        Assert.That(async () => backup = await exporter.ExportAsync(new TenantId(tenant), CancellationToken.None),
            Throws.InstanceOf<CliException>().With.Message.Contain("uninstalled"));

        Assert.That(uninstalls, Is.EqualTo(1), "control: the uninstall ran while the export read");
        Assert.That(backup?.Items.Any(i => i.Secret == secret), Is.Not.True, "a backup holding the uninstalled tenant's secret in clear");
    }

    /// <summary>Runs <paramref name="before"/> once, before the first query of items under <paramref name="prefix"/>.</summary>
    private sealed class UninstallBeforeQuery(IStore inner, string prefix, Func<Task> before) : IStore
    {
        private Func<Task>? _before = before;

        public async Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
        {
            if (request.SkPrefix == prefix && Interlocked.Exchange(ref _before, null) is { } run)
            {
                await run();
            }

            return await inner.QueryAsync(request, ct);
        }

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);

        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
