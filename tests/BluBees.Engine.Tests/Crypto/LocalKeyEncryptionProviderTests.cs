using System.Security.Cryptography;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

public sealed class LocalKeyEncryptionProviderTests
{
    private TempDirectory _dir = null!;
    private LocalKeyRing _ring = null!;
    private LocalKeyEncryptionProvider _provider = null!;

    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateRing()
    {
        _dir = new TempDirectory();
        _ring = new LocalKeyRing(_dir.File("keyring.json"));
        _provider = new LocalKeyEncryptionProvider(_ring);
    }

    [TearDown]
    public void RemoveRing() => _dir.Dispose();

    [Test]
    public async Task GeneratesAFreshDataKeyWrappedUnderTheCurrentKey()
    {
        var a = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);
        var b = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);

        Assert.That(a.Plaintext, Has.Length.EqualTo(Aead.KeySize));
        Assert.That(a.Wrapped.KeyId, Is.EqualTo(_ring.CurrentKeyId));
        Assert.That(_provider.CurrentKeyId, Is.EqualTo(_ring.CurrentKeyId));
        Assert.That(a.Plaintext, Is.Not.EqualTo(b.Plaintext));
        Assert.That(Convert.ToHexString(a.Wrapped.Ciphertext), Does.Not.Contain(Convert.ToHexString(a.Plaintext)));
    }

    [Test]
    public async Task ForgettingATenantMakesItsWrappedDataKeyUnopenableWithTheRingThatRemains()
    {
        // The ring's keys serve every tenant and stay after an uninstall: the tenant's own share is what is shredded.
        var a = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);
        var b = await _provider.GenerateDataKeyAsync(new TenantId("tenant-b"), Ct);

        await _provider.ForgetTenantAsync(new TenantId("tenant-a"), Ct);

        var fresh = new LocalKeyEncryptionProvider(new LocalKeyRing(_dir.File("keyring.json"))); // another process, the same files
        Assert.That(() => fresh.DecryptDataKeyAsync(new TenantId("tenant-a"), a.Wrapped, Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(() => _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), a.Wrapped, Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(await fresh.DecryptDataKeyAsync(new TenantId("tenant-b"), b.Wrapped, Ct), Is.EqualTo(b.Plaintext), "another tenant keeps its key");

        // Installed again under the same id: a new share, a new key that opens; the old wrapped key still does not.
        var again = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);
        Assert.That(await fresh.DecryptDataKeyAsync(new TenantId("tenant-a"), again.Wrapped, Ct), Is.EqualTo(again.Plaintext));
        Assert.That(() => fresh.DecryptDataKeyAsync(new TenantId("tenant-a"), a.Wrapped, Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(Directory.GetFiles(_dir.File("tenant-keys")).Select(f => new FileInfo(f).Length), Has.All.EqualTo(TenantKeyShares.Size));
    }

    [Test]
    public void ForgettingATenantWithoutAShareIsNoError()
    {
        // A store upgraded from a version without shares: no tenant-keys directory yet, and the uninstall must go on.
        Assert.That(Directory.Exists(_dir.File("tenant-keys")), Is.False);
        Assert.That(async () => await _provider.ForgetTenantAsync(new TenantId("tenant-never-wrapped"), Ct), Throws.Nothing);
    }

    [Test]
    public async Task ADataKeyWrappedBeforeTenantSharesStillOpensAndARewrapBindsItToTheTenantsShare()
    {
        // A data key an earlier build wrapped under the ring key alone (AAD v1).
        var tenant = new TenantId("tenant-legacy");
        var plaintext = RandomNumberGenerator.GetBytes(Aead.KeySize);
        var (keyId, kek) = _ring.GetCurrentKey();
        var legacy = new WrappedDataKey(keyId, Aead.Seal(kek, plaintext, "blubees/dek/v1|" + tenant.Value));

        Assert.That(await _provider.DecryptDataKeyAsync(tenant, legacy, Ct), Is.EqualTo(plaintext), "still opens");

        // keys rotate re-wraps it the new way: then the tenant's uninstall shreds it like any other.
        var rewrapped = await _provider.ReWrapAsync(tenant, legacy, Ct);
        Assert.That(await _provider.DecryptDataKeyAsync(tenant, rewrapped, Ct), Is.EqualTo(plaintext));
        await _provider.ForgetTenantAsync(tenant, Ct);
        Assert.That(() => _provider.DecryptDataKeyAsync(tenant, rewrapped, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task UnwrapsForTheSameTenant()
    {
        var generated = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);

        Assert.That(await _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped, Ct), Is.EqualTo(generated.Plaintext));
    }

    [TestCase("tenant-b")]
    [TestCase("tenant-a ")]
    [TestCase("TENANT-A")]
    public async Task ADataKeyWrappedForOneTenantDoesNotUnwrapForAnother(string other)
    {
        var generated = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);

        Assert.That(() => _provider.DecryptDataKeyAsync(new TenantId(other), generated.Wrapped, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task AWrappedKeyNamingAnotherKeyEncryptionKeyDoesNotUnwrap()
    {
        var generated = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);
        _ring.AddAndActivate();

        var misnamed = generated.Wrapped with { KeyId = _ring.CurrentKeyId };

        Assert.That(() => _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), misnamed, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ReWrapMovesTheSameDataKeyToTheCurrentKey()
    {
        var generated = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);
        var oldKeyId = generated.Wrapped.KeyId;
        var newKeyId = _ring.AddAndActivate();

        var rewrapped = await _provider.ReWrapAsync(new TenantId("tenant-a"), generated.Wrapped, Ct);

        Assert.That(rewrapped.KeyId, Is.EqualTo(newKeyId).And.Not.EqualTo(oldKeyId));
        Assert.That(await _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), rewrapped, Ct), Is.EqualTo(generated.Plaintext));
        Assert.That(await _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped, Ct), Is.EqualTo(generated.Plaintext), "the old wrapping still opens until its key is retired");

        _ring.RetireOldKeys();

        Assert.That(await _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), rewrapped, Ct), Is.EqualTo(generated.Plaintext));
        Assert.That(() => _provider.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ReWrapKeepsTheTenantBinding()
    {
        var generated = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);
        _ring.AddAndActivate();

        Assert.That(() => _provider.ReWrapAsync(new TenantId("tenant-b"), generated.Wrapped, Ct), Throws.InstanceOf<CryptographicException>());
        var rewrapped = await _provider.ReWrapAsync(new TenantId("tenant-a"), generated.Wrapped, Ct);
        Assert.That(() => _provider.DecryptDataKeyAsync(new TenantId("tenant-b"), rewrapped, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ADataKeyIsUsableAfterTheRingIsReloaded()
    {
        var generated = await _provider.GenerateDataKeyAsync(new TenantId("tenant-a"), Ct);

        var restarted = new LocalKeyEncryptionProvider(new LocalKeyRing(_ring.FilePath));

        Assert.That(await restarted.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped, Ct), Is.EqualTo(generated.Plaintext));
    }
}
