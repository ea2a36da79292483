using System.Security.Cryptography;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Cli.Operator;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees backup restore</c> refused part way by the store deletes what it wrote, its data key included, so that it
/// can run again. The key shares it wrote beside the ring stayed: the tenant's own share (its data key deleted, the
/// share opened nothing any more but named the installation in <c>tenant-keys/</c> for good) and the share of every
/// secret it had sealed. Now a failed restore leaves no file of the tenant in <c>tenant-keys/</c>.
/// </summary>
public sealed class CliRestoreKeyShareTests : BackendFixture
{
    [Test]
    public async Task A_restore_the_store_refuses_part_way_leaves_no_key_share_of_the_tenant()
    {
        var tenant = Samples.NewTenant();
        var store = Backend.Services.GetRequiredService<IStore>();
        var backup = new TenantBackup(TenantBackup.CurrentVersion, tenant, DateTimeOffset.UtcNow,
        [
            new BackupItem(Keys.Connection("conn_aaaaaaaaaaaaaaaaaaaa"), """{"id":"conn_aaaaaaaaaaaaaaaaaaaa","name":"Ticketing"}""", Secret: Samples.Canary("restored")),
            new BackupItem(Keys.Webhook("hook_aaaaaaaaaaaaaaaaaaaa"), """{"id":"hook_aaaaaaaaaaaaaaaaaaaa","name":"Deploys"}""", Secret: Samples.Canary("hook")),
        ]);
        // The store refuses the second item (the webhook), after the connection was written.
        var refusing = new RefusingStore(store, sk => sk.StartsWith(Keys.WebhookPrefix, StringComparison.Ordinal));
        var restorer = new BackupRestorer(refusing, Backend.Services.GetRequiredService<SecretCipher>(), Backend.Services.GetRequiredService<TenantService>(),
            Backend.Services.GetRequiredService<TenantKeyService>());

        Assert.That(async () => await restorer.RestoreAsync(backup, new TenantId(tenant), CancellationToken.None), Throws.InstanceOf<IOException>());

        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, CancellationToken.None), Is.Null, "the restore's data key is deleted (as before)");
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.Connection("conn_aaaaaaaaaaaaaaaaaaaa"), CancellationToken.None), Is.Null, "and what it wrote");
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant)));
        var tenantKeys = Path.Combine(Backend.DataDirectory, TenantKeyShares.DirectoryName);
        Assert.That(Directory.EnumerateFileSystemEntries(tenantKeys, "*", SearchOption.AllDirectories).Select(Path.GetFileName), Has.None.StartsWith(sha),
            "a key share of the failed restore is left in tenant-keys/");
    }

    /// <summary>Control: a restore that succeeds keeps its shares, and its secrets open.</summary>
    [Test]
    public async Task Control_a_restore_that_succeeds_keeps_its_shares()
    {
        var tenant = Samples.NewTenant();
        var store = Backend.Services.GetRequiredService<IStore>();
        var secret = Samples.Canary("restored");
        var backup = new TenantBackup(TenantBackup.CurrentVersion, tenant, DateTimeOffset.UtcNow,
            [new BackupItem(Keys.Connection("conn_bbbbbbbbbbbbbbbbbbbb"), """{"id":"conn_bbbbbbbbbbbbbbbbbbbb","name":"Ticketing"}""", Secret: secret)]);
        var restorer = new BackupRestorer(store, Backend.Services.GetRequiredService<SecretCipher>(), Backend.Services.GetRequiredService<TenantService>(),
            Backend.Services.GetRequiredService<TenantKeyService>());

        await restorer.RestoreAsync(backup, new TenantId(tenant), CancellationToken.None);

        var item = (await store.GetAsync(Keys.Tenant(tenant), Keys.Connection("conn_bbbbbbbbbbbbbbbbbbbb"), CancellationToken.None))!;
        var ciphertext = System.Text.Json.JsonDocument.Parse(item.Data).RootElement.GetProperty("secretCiphertext").GetString()!;
        Assert.That(await Backend.Services.GetRequiredService<SecretCipher>().DecryptAsync(new TenantId(tenant),
            BluBees.Engine.Connections.ConnectionService.SecretRecordId("conn_bbbbbbbbbbbbbbbbbbbb"), ciphertext, CancellationToken.None), Is.EqualTo(secret));
    }

    /// <summary>Refuses the write of an item whose sort key <paramref name="refuse"/> picks, as a store past its retries would.</summary>
    private sealed class RefusingStore(IStore inner, Func<string, bool> refuse) : IStore
    {
        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct)
            => refuse(item.Sk) ? throw new IOException("refused (test)") : inner.PutIfAbsentAsync(item, ct);

        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);

        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
