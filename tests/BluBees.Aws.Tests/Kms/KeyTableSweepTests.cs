using System.Security.Cryptography;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Kms;

/// <summary>
/// The crash paths of a secret's share in the key table (DynamoDB store and key table on dynalite, KMS stand-in): the
/// share is put before the ciphertext that names it is written, and deleted after the write that removes it. A crash
/// in either gap leaves a share no stored secret names; the sweep after the tenant's next delete or replacement of a
/// secret removes it once it is older than <see cref="TenantKeyService.SecretShareGrace"/>.
/// </summary>
[TestFixture]
public sealed class KeyTableSweepTests
{
    private KmsFake _kms = null!;
    private DynamoDbTable _table = null!;
    private FakeTimeProvider _time = null!;
    private LocalEngine _engine = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _kms = await KmsFake.StartAsync();
        _table = await DynamoDbTable.CreateAsync();
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = _table.Settings();
        settings["Keys:Provider"] = "Kms";
        settings["Keys:KmsKeyId"] = _kms.CreateKey();
        settings["Keys:KmsServiceUrl"] = _kms.Address.ToString();
        _engine = LocalEngine.Create(settings, services => services.AddSingleton<TimeProvider>(_time));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _engine.DisposeAsync();
        _table.Dispose();
        await _kms.DisposeAsync();
    }

    [Test]
    public async Task A_share_put_for_a_ciphertext_whose_write_failed_protects_nothing_and_is_swept_after_the_grace()
    {
        var tenant = new TenantId("tenant-" + Guid.NewGuid().ToString("N"));
        var cipher = _engine.Get<SecretCipher>();
        var live = await StoreSecretAsync(tenant, "live", "LiveSecret");
        var unwritten = await cipher.SealSecretAsync(tenant, "connection/unwritten", "NeverStored", CancellationToken.None); // the write then fails
        var shares = await SharesAsync(tenant);
        Assert.That(shares, Has.Count.EqualTo(2), "control: each seal put a share in the key table");

        var keys = _engine.Get<TenantKeyService>();
        Assert.That(await keys.SweepSecretSharesAsync(tenant, CancellationToken.None), Is.Zero, "within the grace the write may still be in flight");
        _time.Advance(TenantKeyService.SecretShareGrace + TimeSpan.FromMinutes(1));
        var swept = await keys.SweepSecretSharesAsync(tenant, CancellationToken.None); // as after the tenant's next delete of a secret

        Assert.Multiple(async () =>
        {
            Assert.That(swept, Is.EqualTo(1));
            Assert.That(await SharesAsync(tenant), Is.EqualTo(new[] { SecretCipher.ShareIdOf(live) }), "the orphan is gone, the stored secret's share stays");
            Assert.That(await RevealAsync(tenant, "live", live), Is.EqualTo("LiveSecret"), "the stored secret still opens");
            Assert.That(async () => await RevealAsync(tenant, "unwritten", unwritten), Throws.InstanceOf<CryptographicException>());
        });
    }

    [Test]
    public async Task A_share_left_by_a_crash_after_its_secret_was_deleted_is_swept_by_the_next_forget_and_its_old_copy_no_longer_opens()
    {
        var tenant = new TenantId("tenant-" + Guid.NewGuid().ToString("N"));
        var deleted = await StoreSecretAsync(tenant, "deleted", "DeletedSecret");
        var other = await StoreSecretAsync(tenant, "other", "OtherSecret");
        var kept = await StoreSecretAsync(tenant, "kept", "KeptSecret");

        // The delete's write committed, then the process died before the share's delete.
        await _engine.Get<IStore>().ForTenant(tenant).DeleteAsync(Keys.ConnectionPrefix + "deleted", CancellationToken.None);
        Assert.That(await RevealAsync(tenant, "deleted", deleted), Is.EqualTo("DeletedSecret"), "control: until the sweep, an old copy of the ciphertext still opens");

        _time.Advance(TenantKeyService.SecretShareGrace + TimeSpan.FromMinutes(1));
        await _engine.Get<IStore>().ForTenant(tenant).DeleteAsync(Keys.ConnectionPrefix + "other", CancellationToken.None);
        await _engine.Get<SecretCipher>().ForgetAsync(tenant, [other], CancellationToken.None); // the tenant's next delete

        Assert.Multiple(async () =>
        {
            Assert.That(await SharesAsync(tenant), Is.EqualTo(new[] { SecretCipher.ShareIdOf(kept) }));
            Assert.That(async () => await RevealAsync(tenant, "deleted", deleted), Throws.InstanceOf<CryptographicException>(), "the crashed delete's secret opened after the sweep");
            Assert.That(async () => await RevealAsync(tenant, "other", other), Throws.InstanceOf<CryptographicException>());
            Assert.That(await RevealAsync(tenant, "kept", kept), Is.EqualTo("KeptSecret"));
        });
    }

    /// <summary>A secret sealed and written as a connection item holding its ciphertext (what the sweep reads).</summary>
    private async Task<string> StoreSecretAsync(TenantId tenant, string id, string secret)
    {
        var ciphertext = await _engine.Get<SecretCipher>().SealSecretAsync(tenant, "connection/" + id, secret, CancellationToken.None);
        await _engine.Get<IStore>().ForTenant(tenant).PutAsync(Keys.ConnectionPrefix + id, "{\"secretCiphertext\":\"" + ciphertext + "\"}", CancellationToken.None);
        return ciphertext;
    }

    private Task<string> RevealAsync(TenantId tenant, string id, string ciphertext)
        => _engine.Get<SecretCipher>().DecryptAsync(tenant, "connection/" + id, ciphertext, CancellationToken.None);

    private async Task<List<string?>> SharesAsync(TenantId tenant)
        => [.. (await _engine.Get<IKeyEncryptionProvider>().ListSecretSharesAsync(tenant, CancellationToken.None)).Select(s => (string?)s.Id).Order(StringComparer.Ordinal)];
}
