using System.Security.Cryptography;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

public sealed class TenantKeyServiceTests
{
    private KeyHarness _h = null!;

    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateHarness() => _h = new KeyHarness();

    [TearDown]
    public void DisposeHarness() => _h.Dispose();

    private async Task<StoredDataKey?> StoredKeyAsync(string tenantId)
    {
        var item = await _h.Store.GetAsync(Keys.Tenant(tenantId), Keys.DataKey, Ct);
        return item is null ? null : StoredJson.Read<StoredDataKey>(item.Data);
    }

    private TenantKeyService NewService() => new(_h.Store, _h.Provider, _h.Time, Options.Create(new KeyOptions()));

    /// <summary>
    /// After a rollback, a data key item a later build wrote (a member this build does not know): its creation time still
    /// tells a reinstall apart, so the worker's check (and the embedded queue's finish) drop a run of the earlier
    /// installation. Before, the strict read took the item for unreadable, and so for "not a later installation".
    /// </summary>
    [Test]
    public async Task A_data_key_a_later_build_wrote_still_tells_a_later_installation()
    {
        var tenant = new TenantId("tenant-later");
        var receivedAt = _h.Time.GetUtcNow();
        _h.Time.Advance(TimeSpan.FromHours(1)); // uninstalled meanwhile, installed again: a new key
        await _h.Keys.GetOrCreateAsync(tenant, Ct);
        var item = (await _h.Store.GetAsync(Keys.Tenant(tenant.Value), Keys.DataKey, Ct))!;
        await _h.Store.PutAsync(item with { Data = "{\"laterBuildMember\":1," + item.Data[1..] }, Ct);

        Assert.That(await _h.Keys.IsLaterInstallationAsync(tenant, receivedAt, Ct), Is.True);
        Assert.That(await _h.Keys.IsLaterInstallationAsync(tenant, _h.Time.GetUtcNow(), Ct), Is.False, "control: the key's own installation");
    }

    /// <summary>
    /// A data key is listed in the tenant directory before it exists, whoever creates it (the first secret sealed by the
    /// admin API, a backup restore, an event): key rotation and retiring walk the directory and must see every data key.
    /// The life-cycle and ingress paths list the tenant too, which hid this from the rotation tests.
    /// </summary>
    [Test]
    public async Task A_data_key_the_service_creates_lists_its_tenant()
    {
        var tenant = new TenantId("tenant-unlisted");
        Assert.That(await _h.Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant.Value), Ct), Is.Null);

        await _h.Cipher.EncryptAsync(tenant, "connection/conn_1", "s3cret", Ct);

        Assert.That(await StoredKeyAsync(tenant.Value), Is.Not.Null);
        Assert.That(await _h.Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant.Value), Ct), Is.Not.Null, "listed for rotation");
    }

    [Test]
    public async Task GetOrCreateIsStable()
    {
        var first = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        var again = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        _h.Keys.Evict(new TenantId("tenant-a"));
        var reloaded = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        using var other = NewService();
        var fromAnotherInstance = await other.GetOrCreateAsync(new TenantId("tenant-a"), Ct);

        Assert.That(first, Has.Length.EqualTo(Aead.KeySize));
        Assert.That(again, Is.EqualTo(first));
        Assert.That(reloaded, Is.EqualTo(first), "after eviction the stored key is unwrapped, not replaced");
        Assert.That(fromAnotherInstance, Is.EqualTo(first));
    }

    [Test]
    public async Task TheDataKeyIsStoredWrappedInTheTenantPartition()
    {
        var key = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);

        var stored = await StoredKeyAsync("tenant-a");

        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.KeyId, Is.EqualTo(_h.Ring.CurrentKeyId));
        Assert.That(stored.CreatedAt, Is.EqualTo(KeyHarness.Start));
        Assert.That(stored.RotatedAt, Is.Null);
        Assert.That(Convert.FromBase64String(stored.Wrapped), Is.Not.EqualTo(key));
        var raw = (await _h.Store.GetAsync(Keys.Tenant("tenant-a"), Keys.DataKey, Ct))!.Data;
        Assert.That(raw, Does.Not.Contain(Convert.ToBase64String(key)).And.Not.Contain(Convert.ToHexString(key)));
    }

    [Test]
    public async Task EveryTenantHasItsOwnKey()
    {
        var a = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        var b = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-b"), Ct);

        Assert.That(b, Is.Not.EqualTo(a));
    }

    [Test]
    public async Task GetExistingNeverCreatesAKey()
    {
        Assert.That(await _h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Is.Null);
        Assert.That(await StoredKeyAsync("tenant-a"), Is.Null);

        var created = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        _h.Keys.Evict(new TenantId("tenant-a"));

        Assert.That(await _h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Is.EqualTo(created));
    }

    [Test]
    public async Task ConcurrentFirstUsesAgreeOnOneKey()
    {
        var services = Enumerable.Range(0, 6).Select(_ => NewService()).ToList();
        try
        {
            var keys = await Task.WhenAll(services.Select(s => Task.Run(() => s.GetOrCreateAsync(new TenantId("tenant-a"), Ct))));
            _h.Keys.Evict(new TenantId("tenant-a"));
            var stored = await _h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct);

            Assert.That(keys.Select(Convert.ToHexString).Distinct(), Has.Exactly(1).Items, "every worker must use the same key");
            Assert.That(stored, Is.EqualTo(keys[0]), "and it is the stored one");
        }
        finally
        {
            services.ForEach(s => s.Dispose());
        }
    }

    [Test]
    public async Task ReWrapWithoutAKeyReportsFalse()
    {
        Assert.That(await _h.Keys.ReWrapAsync(new TenantId("tenant-a"), Ct), Is.False);
        Assert.That(await _h.Keys.WrappingKeyIdAsync(new TenantId("tenant-a"), Ct), Is.Null);
        Assert.That(await StoredKeyAsync("tenant-a"), Is.Null, "re-wrapping must not create a key");
    }

    [Test]
    public async Task ReWrapMovesTheKeyToTheCurrentKeyEncryptionKeySoTheOldOneCanBeRetired()
    {
        var key = await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        var secret = await _h.Cipher.EncryptAsync(new TenantId("tenant-a"), "connection/conn_1", "hunter2", Ct);
        var oldKeyId = _h.Ring.CurrentKeyId;
        var newKeyId = _h.Ring.AddAndActivate();
        _h.Time.Advance(TimeSpan.FromDays(30));

        Assert.That(await _h.Keys.WrappingKeyIdAsync(new TenantId("tenant-a"), Ct), Is.EqualTo(oldKeyId));
        Assert.That(await _h.Keys.ReWrapAsync(new TenantId("tenant-a"), Ct), Is.True);

        var stored = await StoredKeyAsync("tenant-a");
        Assert.That(await _h.Keys.WrappingKeyIdAsync(new TenantId("tenant-a"), Ct), Is.EqualTo(newKeyId));
        Assert.That(stored!.RotatedAt, Is.EqualTo(KeyHarness.Start.AddDays(30)));
        Assert.That(stored.CreatedAt, Is.EqualTo(KeyHarness.Start));

        _h.Ring.RetireOldKeys();
        _h.Keys.Evict(new TenantId("tenant-a"));

        Assert.That(await _h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Is.EqualTo(key), "the data key itself does not change");
        Assert.That(await _h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", secret, Ct), Is.EqualTo("hunter2"));
    }

    [Test]
    public async Task RetiringTheWrappingKeyWithoutReWrappingLosesTheTenantKey()
    {
        await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        _h.Ring.AddAndActivate();
        _h.Ring.RetireOldKeys();
        _h.Keys.Evict(new TenantId("tenant-a"));

        Assert.That(() => _h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ReWrapDropsTheCachedCopy()
    {
        await _h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        _h.Ring.AddAndActivate();
        await _h.Keys.ReWrapAsync(new TenantId("tenant-a"), Ct);
        await _h.Store.DeleteAsync(Keys.Tenant("tenant-a"), Keys.DataKey, Ct);

        Assert.That(await _h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Is.Null, "the next read goes to the store");
    }
}
