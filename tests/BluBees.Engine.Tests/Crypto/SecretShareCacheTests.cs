using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// Secret shares are kept in memory once read (<see cref="SecretShareCache"/>), so a run does not read a file to open
/// its connection's secret; deleting the share (the secret deleted or replaced, the tenant uninstalled) drops it from
/// memory first, so a deleted secret's share is neither on disk nor served from the cache.
/// </summary>
public sealed class SecretShareCacheTests
{
    private static readonly TenantId Tenant = new("tenant-cache");
    private static readonly TenantId Other = new("tenant-cache-other");
    private string _directory = null!;
    private TenantKeyShares _shares = null!;

    [SetUp]
    public void Create()
    {
        _directory = Path.Combine(Path.GetTempPath(), "blubees-share-cache-" + Guid.NewGuid().ToString("N"));
        _shares = new TenantKeyShares(_directory);
    }

    [TearDown]
    public void Remove()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string FileOf(TenantId tenant, string id)
        => Directory.GetFiles(_directory, id, SearchOption.AllDirectories).Single(f => f.Contains(".secrets", StringComparison.Ordinal) && _shares.FindSecretShare(tenant, id) is not null);

    [Test]
    public void A_share_read_once_is_served_from_memory_as_a_copy_the_caller_may_zero()
    {
        var (id, written) = _shares.CreateSecretShare(Tenant);
        var first = _shares.FindSecretShare(Tenant, id)!;
        Assert.That(first, Is.EqualTo(written));
        Array.Clear(first); // what SecretCipher does with the share once the key is derived

        File.Delete(FileOf(Tenant, id)); // out of band: only the cache can answer now
        Assert.Multiple(() =>
        {
            Assert.That(_shares.FindSecretShare(Tenant, id), Is.EqualTo(written), "served from memory, unharmed by the caller's zeroing");
            Assert.That(_shares.SecretShares.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void Deleting_a_secrets_share_drops_it_from_memory_too()
    {
        var (id, _) = _shares.CreateSecretShare(Tenant);
        var (kept, keptBytes) = _shares.CreateSecretShare(Tenant);
        Assert.That(_shares.FindSecretShare(Tenant, id), Is.Not.Null, "cached");
        Assert.That(_shares.FindSecretShare(Tenant, kept), Is.Not.Null, "cached");

        _shares.DeleteSecretShare(Tenant, id);

        Assert.Multiple(() =>
        {
            Assert.That(_shares.FindSecretShare(Tenant, id), Is.Null, "neither on disk nor in memory");
            Assert.That(_shares.FindSecretShare(Tenant, kept), Is.EqualTo(keptBytes), "control: another secret's share stays");
        });
    }

    [Test]
    public void Deleting_the_tenants_shares_drops_every_one_of_its_secret_shares_from_memory()
    {
        var (id, _) = _shares.CreateSecretShare(Tenant);
        var (otherId, otherBytes) = _shares.CreateSecretShare(Other);
        Assert.That(_shares.FindSecretShare(Tenant, id), Is.Not.Null);
        Assert.That(_shares.FindSecretShare(Other, otherId), Is.Not.Null);

        _shares.Delete(Tenant); // the uninstall's shred

        Assert.Multiple(() =>
        {
            Assert.That(_shares.FindSecretShare(Tenant, id), Is.Null);
            Assert.That(_shares.FindSecretShare(Other, otherId), Is.EqualTo(otherBytes), "control: another tenant's share stays");
        });
    }

    [Test]
    public void A_read_that_raced_a_delete_does_not_put_the_deleted_share_back()
    {
        var cache = new SecretShareCache();
        var generation = cache.Generation; // a read begins, and reads the file...
        cache.Forget("tenant", "id");      // ...while the share is deleted
        cache.Add("tenant", "id", [1, 2, 3], generation);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Find("tenant", "id"), Is.Null);
            Assert.That(cache.Count, Is.Zero);
        });
        cache.Add("tenant", "id", [1, 2, 3], cache.Generation);
        Assert.That(cache.Find("tenant", "id"), Is.EqualTo(new byte[] { 1, 2, 3 }), "control: a read after the delete is kept");
    }

    [Test]
    public void A_full_cache_starts_over_instead_of_growing()
    {
        var cache = new SecretShareCache();
        for (var i = 0; i < SecretShareCache.Capacity; i++)
        {
            cache.Add("tenant", i.ToString(System.Globalization.CultureInfo.InvariantCulture), [1], cache.Generation);
        }

        Assert.That(cache.Count, Is.EqualTo(SecretShareCache.Capacity));
        cache.Add("tenant", "one more", [2], cache.Generation);
        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.EqualTo(1));
            Assert.That(cache.Find("tenant", "one more"), Is.EqualTo(new byte[] { 2 }));
        });
    }
}
