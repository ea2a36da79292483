using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// A deleted share is overwritten with zeros and flushed before its file is unlinked (<see cref="TenantKeyShares"/>): a
/// crash between the two leaves a file of zeros under the share's name. That file is no share: reading it finds none
/// (a secret sealed under it fails to open, as after the delete), and an install under the same tenant id gets a new
/// share instead of taking the zeros (which anyone knows) as its own.
/// </summary>
public sealed class ShreddedShareFileTests
{
    private static readonly TenantId Tenant = new("tenant-shredded-share-file");

    [Test]
    public void A_tenant_share_of_zeros_is_none_and_the_next_install_gets_a_new_share()
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-shredded-" + Guid.NewGuid().ToString("N"));
        var shares = new TenantKeyShares(directory);
        try
        {
            var first = shares.GetOrCreate(Tenant);
            var path = Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Tenant.Value))));
            File.WriteAllBytes(path, new byte[TenantKeyShares.Size]); // the overwrite done, the unlink not (a crash)

            Assert.That(shares.Find(Tenant), Is.Null, "a file of zeros is no share");
            var second = shares.GetOrCreate(Tenant);
            Assert.That(second, Has.Some.Not.EqualTo(0), "the new installation's share is not the zeros");
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(second), "the zeros are replaced by the new share");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_secret_share_of_zeros_is_none()
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-shredded-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (id, _) = new TenantKeyShares(directory).CreateSecretShare(Tenant);
            var file = Directory.GetFiles(directory, id, SearchOption.AllDirectories).Single();
            File.WriteAllBytes(file, new byte[TenantKeyShares.Size]);

            Assert.That(new TenantKeyShares(directory).FindSecretShare(Tenant, id), Is.Null, "a file of zeros is no share");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
