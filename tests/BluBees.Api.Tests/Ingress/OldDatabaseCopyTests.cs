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
