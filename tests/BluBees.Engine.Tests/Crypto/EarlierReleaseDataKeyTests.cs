using System.Security.Cryptography;
using System.Text.Json;
using BluBees.Engine.Json;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// A data key an earlier release wrapped under the ring key alone (before tenant shares) is stored again under the
/// tenant's share the first time a backend loads it, so that the tenant's uninstall shreds it without waiting for an
/// operator's <c>keys rotate</c>: until then an old copy of the database opened it with the ring that stays.
/// </summary>
public sealed class EarlierReleaseDataKeyTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Test]
    public async Task An_earlier_releases_data_key_is_stored_under_the_tenants_share_at_its_first_load_and_the_uninstall_shreds_it()
    {
        using var h = new KeyHarness();
        var tenant = new TenantId("tenant-earlier");
        var plaintext = RandomNumberGenerator.GetBytes(Aead.KeySize);
        var (keyId, kek) = h.Ring.GetCurrentKey();
        var legacy = new WrappedDataKey(keyId, Aead.Seal(kek, plaintext, "blubees/dek/v1|" + tenant.Value));
        var stored = new StoredDataKey(keyId, Convert.ToBase64String(legacy.Ciphertext), KeyHarness.Start);
        Assert.That(await h.Store.ForTenant(tenant).PutIfAbsentAsync(StorageKeys.DataKey, JsonSerializer.Serialize(stored, JsonDefaults.Options), Ct), Is.True);
        Assert.That(h.Provider.OpensWithoutShare(tenant, legacy), Is.True, "control: the earlier release's form opens with the ring alone");

        Assert.That(await h.Keys.GetExistingAsync(tenant, Ct), Is.EqualTo(plaintext), "the same data key after the deploy");

        var item = await h.Store.GetAsync(StorageKeys.Tenant(tenant.Value), StorageKeys.DataKey, Ct);
        var now = JsonSerializer.Deserialize<StoredDataKey>(item!.Data, JsonDefaults.Tolerant)!;
        var resealed = new WrappedDataKey(now.KeyId, Convert.FromBase64String(now.Wrapped));
        Assert.Multiple(async () =>
        {
            Assert.That(h.Provider.OpensWithoutShare(tenant, resealed), Is.False, "the stored key still opens with the ring alone after its first load");
            Assert.That(await h.Provider.DecryptDataKeyAsync(tenant, resealed, Ct), Is.EqualTo(plaintext), "stored again, the same key");
        });

        // The uninstall's erase deletes the share: the stored form (and any copy of it) no longer opens with the ring.
        await h.Provider.ForgetTenantAsync(tenant, Ct);
        Assert.That(() => h.Provider.DecryptDataKeyAsync(tenant, resealed, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task A_data_key_already_under_the_tenants_share_is_not_written_again_at_its_load()
    {
        using var h = new KeyHarness();
        var tenant = new TenantId("tenant-current");
        var created = await h.Keys.GetOrCreateAsync(tenant, Ct);
        var before = await h.Store.GetAsync(StorageKeys.Tenant(tenant.Value), StorageKeys.DataKey, Ct);
        h.Keys.Evict(tenant);

        Assert.That(await h.Keys.GetExistingAsync(tenant, Ct), Is.EqualTo(created));
        var after = await h.Store.GetAsync(StorageKeys.Tenant(tenant.Value), StorageKeys.DataKey, Ct);
        Assert.That(after!.Revision, Is.EqualTo(before!.Revision), "a load wrote the key item of a key already under its share");
    }
}
