using System.Net;
using System.Security.Cryptography;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Crypto-shredding against an old copy of the database: a file-level backup or snapshot of <c>blubees.db</c>, or a copy
/// an attacker took, made while the tenant was installed. The local ring's key-encryption keys serve every tenant and
/// stay after an uninstall, so if the data key were wrapped under them alone, the copy and the ring that remains would
/// open it, and with it every secret of the uninstalled tenant. Each tenant's data key is wrapped under a key derived
/// from the ring's key and a share of the tenant's own, which the uninstall deletes.
/// </summary>
public sealed class OldDatabaseCopyTests : BackendFixture
{
    [Test]
    public async Task After_the_uninstall_an_old_copy_of_the_database_does_not_decrypt_with_the_key_files_that_remain()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var connectionId = await CreateConnectionAsync(tenant, secret);
        var bystanderSecret = Samples.Canary("bystander");
        var bystanderConnection = await CreateConnectionAsync(bystander, bystanderSecret);

        var copy = Directory.CreateTempSubdirectory("blubees-old-copy-").FullName;
        try
        {
            // The old copy: every row as it stood while the tenant was installed (the WAL's frames included).
            await using (var source = new SqliteConnection($"Data Source={Path.Combine(Backend.DataDirectory, "blubees.db")};Mode=ReadOnly;Pooling=False"))
            {
                await source.OpenAsync();
                await using var vacuum = source.CreateCommand();
                vacuum.CommandText = $"VACUUM INTO '{Path.Combine(copy, "blubees.db")}'";
                await vacuum.ExecuteNonQueryAsync();
            }

            Assert.That(await OpenFromCopyAsync(copy, tenant, connectionId), Is.EqualTo(secret), "control: before the uninstall, the copy and the key files open the secret");

            using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

            // What remains: the data directory's key ring (its keys serve every tenant) and whatever lies beside it.
            Assert.That(async () => await OpenFromCopyAsync(copy, tenant, connectionId), Throws.InstanceOf<CryptographicException>(),
                "the uninstalled tenant's secret opened from an old copy of the database with the key files that remain");
            Assert.That(await OpenFromCopyAsync(copy, bystander, bystanderConnection), Is.EqualTo(bystanderSecret), "another tenant's keys are untouched");
            var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant)));
            Assert.That(Directory.EnumerateFiles(Backend.DataDirectory, "*", SearchOption.AllDirectories).Select(Path.GetFileName), Has.None.Contains(sha),
                "no file of the uninstalled tenant is left");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>
    /// "Deletion leaves nothing recoverable" for a connection deleted, or a credential replaced, while the tenant stays
    /// installed: its data key, its share and the ring stay, so before each secret had a share of its own an old copy of
    /// the database (a file backup, a snapshot taken before the delete) opened the deleted or replaced credential with the
    /// key files beside the live database. Control: the connection kept (not deleted, not replaced) still opens from the
    /// same copy with the same key files.
    /// </summary>
    [Test]
    public async Task While_the_tenant_stays_installed_an_old_copy_does_not_open_a_deleted_connection_or_a_replaced_credential()
    {
        var tenant = Samples.NewTenant();
        var deletedSecret = Samples.Canary("deleted");
        var replacedSecret = Samples.Canary("replaced");
        var keptSecret = Samples.Canary("kept");
        var deleted = await CreateConnectionAsync(tenant, deletedSecret);
        var replacedBody = Samples.Connection(ThirdParty.Address, replacedSecret);
        var replaced = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, replacedBody, 201))["id"]!.GetValue<string>();
        var kept = await CreateConnectionAsync(tenant, keptSecret);

        var copy = await CopyDatabaseAsync();
        try
        {
            Assert.That(await OpenFromCopyAsync(copy, tenant, deleted), Is.EqualTo(deletedSecret), "control: before the delete, the copy and the key files open the secret");
            Assert.That(await OpenFromCopyAsync(copy, tenant, replaced), Is.EqualTo(replacedSecret), "control: before the replacement, the copy and the key files open the secret");

            using (var response = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{deleted}", tenant))
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            }

            replacedBody["secret"] = Samples.Canary("new");
            await Backend.JsonAsync(HttpMethod.Put, $"/api/connections/{replaced}", tenant, replacedBody, 200);

            Assert.That(async () => await OpenFromCopyAsync(copy, tenant, deleted), Throws.InstanceOf<CryptographicException>(),
                "the deleted connection's secret opened from an old copy of the database with the key files that remain");
            Assert.That(async () => await OpenFromCopyAsync(copy, tenant, replaced), Throws.InstanceOf<CryptographicException>(),
                "the replaced credential opened from an old copy of the database with the key files that remain");
            Assert.That(await OpenFromCopyAsync(copy, tenant, kept), Is.EqualTo(keptSecret), "the tenant's other secrets are untouched");
            Assert.That(await OpenFromCopyAsync(Backend.DataDirectory, tenant, replaced), Is.EqualTo((string)replacedBody["secret"]!), "the new credential opens");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>
    /// The same for a webhook: a deleted hook's signing secret, and one its rotation replaced, no longer open from an old
    /// copy while the tenant stays installed.
    /// </summary>
    [Test]
    public async Task While_the_tenant_stays_installed_an_old_copy_does_not_open_a_deleted_or_rotated_webhook_secret()
    {
        var tenant = Samples.NewTenant();
        var deleted = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new System.Text.Json.Nodes.JsonObject { ["name"] = "deleted" }, 201);
        var rotated = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new System.Text.Json.Nodes.JsonObject { ["name"] = "rotated" }, 201);
        var copy = await CopyDatabaseAsync();
        try
        {
            Assert.That(await OpenHookFromCopyAsync(copy, tenant, (string)deleted["id"]!), Is.EqualTo((string)deleted["secret"]!), "control: the copy opens it before the delete");
            using (var response = await Backend.SendAsync(HttpMethod.Delete, $"/api/webhooks/{(string)deleted["id"]!}", tenant))
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            }

            await Backend.JsonAsync(HttpMethod.Post, $"/api/webhooks/{(string)rotated["id"]!}/rotate-secret", tenant, new System.Text.Json.Nodes.JsonObject(), 200);

            Assert.That(async () => await OpenHookFromCopyAsync(copy, tenant, (string)deleted["id"]!), Throws.InstanceOf<CryptographicException>(), "the deleted webhook's secret");
            Assert.That(async () => await OpenHookFromCopyAsync(copy, tenant, (string)rotated["id"]!), Throws.InstanceOf<CryptographicException>(), "the rotated-away webhook secret");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>A copy of the backend's database as it stands now (every row, the WAL's frames included), in a new directory.</summary>
    private async Task<string> CopyDatabaseAsync()
    {
        var copy = Directory.CreateTempSubdirectory("blubees-old-copy-").FullName;
        await using var source = new SqliteConnection($"Data Source={Path.Combine(Backend.DataDirectory, "blubees.db")};Mode=ReadOnly;Pooling=False");
        await source.OpenAsync();
        await using var vacuum = source.CreateCommand();
        vacuum.CommandText = $"VACUUM INTO '{Path.Combine(copy, "blubees.db")}'";
        await vacuum.ExecuteNonQueryAsync();
        return copy;
    }

    /// <summary>A webhook's signing secret, decrypted from the copy with the key files in the backend's data directory now.</summary>
    private async Task<string> OpenHookFromCopyAsync(string copy, string tenant, string hookId)
    {
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = copy }), TimeProvider.System);
        var ring = new LocalKeyRing(Path.Combine(Backend.DataDirectory, "keyring.json"));
        using var keys = new TenantKeyService(store, new LocalKeyEncryptionProvider(ring), TimeProvider.System, Options.Create(new KeyOptions()));
        var item = (await store.GetAsync(Keys.Tenant(tenant), Keys.Webhook(hookId), CancellationToken.None))!;
        var ciphertext = BluBees.Engine.Common.StoredJson.ReadTolerant<BluBees.Engine.Webhooks.Webhook>(item.Data).SecretCiphertext;
        return await new SecretCipher(keys).DecryptAsync(new TenantId(tenant), BluBees.Engine.Webhooks.WebhookService.SecretRecordId(hookId), ciphertext, CancellationToken.None);
    }

    /// <summary>The connection's secret, decrypted from the copy with the key files in the backend's data directory now.</summary>
    private async Task<string> OpenFromCopyAsync(string copy, string tenant, string connectionId)
    {
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = copy }), TimeProvider.System);
        var ring = new LocalKeyRing(Path.Combine(Backend.DataDirectory, "keyring.json"));
        using var keys = new TenantKeyService(store, new LocalKeyEncryptionProvider(ring), TimeProvider.System, Options.Create(new KeyOptions()));
        var item = (await store.GetAsync(Keys.Tenant(tenant), Keys.Connection(connectionId), CancellationToken.None))!;
        var ciphertext = BluBees.Engine.Common.StoredJson.Read<Connection>(item.Data).SecretCiphertext!;
        return await new SecretCipher(keys).DecryptAsync(new TenantId(tenant), ConnectionService.SecretRecordId(connectionId), ciphertext, CancellationToken.None);
    }
}
