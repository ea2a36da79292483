using System.Security.Cryptography;
using Amazon.KeyManagementService;
using BluBees.Aws.Composition;
using BluBees.Aws.Kms;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Kms;

/// <summary>
/// The KMS key provider, through the real SDK client, against a KMS stand-in that really encrypts, with its key table
/// on dynalite.
/// </summary>
[TestFixture]
public sealed class KmsKeyEncryptionProviderTests
{
    private KmsFake _kms = null!;
    private DynamoDbTable _table = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _kms = await KmsFake.StartAsync();
        _table = await DynamoDbTable.CreateAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _kms.DisposeAsync();
        _table.Dispose();
    }

    private KmsKeyEncryptionProvider Provider(string keyId)
        => new(
            new Lazy<IAmazonKeyManagementService>(() => AwsClientFactory.Kms(_kms.Address.ToString())),
            keyId,
            new KeyShareTable(new Lazy<Amazon.DynamoDBv2.IAmazonDynamoDB>(() => AwsClientFactory.DynamoDb(_table.Url.ToString())), _table.KeyTableName, TimeProvider.System));

    [Test]
    public async Task A_data_key_stored_by_an_earlier_release_without_a_share_still_opens_and_the_next_rewrap_seals_it_under_a_share()
    {
        var keyId = _kms.CreateKey();
        var tenant = new TenantId("tenant-" + Guid.NewGuid().ToString("N"));
        using var kms = AwsClientFactory.Kms(_kms.Address.ToString());
        var legacy = await kms.GenerateDataKeyAsync(new Amazon.KeyManagementService.Model.GenerateDataKeyRequest
        {
            KeyId = keyId,
            KeySpec = Amazon.KeyManagementService.DataKeySpec.AES_256,
            EncryptionContext = new() { [KmsKeyEncryptionProvider.ContextKey] = tenant.Value },
        });
        var plaintext = legacy.Plaintext.ToArray();
        var stored = new WrappedDataKey(keyId, legacy.CiphertextBlob.ToArray());
        using var provider = Provider(keyId);

        Assert.That(await provider.DecryptDataKeyAsync(tenant, stored, default), Is.EqualTo(plaintext), "an earlier release's KEY item still opens after the deploy");
        var migrated = await provider.ReWrapAsync(tenant, stored, default);
        Assert.That(await provider.DecryptDataKeyAsync(tenant, migrated, default), Is.EqualTo(plaintext), "the same data key, now sealed under the tenant's share");

        await provider.ForgetTenantAsync(tenant, default);
        Assert.That(async () => await provider.DecryptDataKeyAsync(tenant, migrated, default), Throws.InstanceOf<TenantKeyShareMissingException>(),
            "once migrated, the uninstall's delete of the share makes the stored key unopenable with KMS alone");
    }

    [Test]
    public async Task A_data_key_opens_only_while_its_tenants_share_is_in_the_key_table()
    {
        using var provider = Provider(_kms.CreateKey());
        var tenant = new TenantId("tenant-" + Guid.NewGuid().ToString("N"));
        var bystander = new TenantId("tenant-" + Guid.NewGuid().ToString("N"));
        var generated = await provider.GenerateDataKeyAsync(tenant, default);
        var other = await provider.GenerateDataKeyAsync(bystander, default);
        Assert.That(await provider.DecryptDataKeyAsync(tenant, generated.Wrapped, default), Is.EqualTo(generated.Plaintext), "control: opens while the share is there");

        await provider.ForgetTenantAsync(tenant, default);

        Assert.Multiple(async () =>
        {
            Assert.That(async () => await provider.DecryptDataKeyAsync(tenant, generated.Wrapped, default), Throws.InstanceOf<TenantKeyShareMissingException>());
            Assert.That(await provider.DecryptDataKeyAsync(bystander, other.Wrapped, default), Is.EqualTo(other.Plaintext), "another tenant's key still opens");
        });
    }

    [Test]
    public async Task Generated_data_key_round_trips_and_names_the_key()
    {
        var keyId = _kms.CreateKey();
        using var provider = Provider(keyId);

        var generated = await provider.GenerateDataKeyAsync(new TenantId("tenant-a"), default);
        var unwrapped = await provider.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped, default);

        Assert.Multiple(() =>
        {
            Assert.That(generated.Plaintext, Has.Length.EqualTo(32), "AES-256");
            Assert.That(generated.Wrapped.KeyId, Is.EqualTo(keyId));
            Assert.That(generated.Wrapped.Ciphertext, Is.Not.EqualTo(generated.Plaintext));
            Assert.That(unwrapped, Is.EqualTo(generated.Plaintext));
            Assert.That(provider.CurrentKeyId, Is.EqualTo(keyId));
        });
    }

    [Test]
    public async Task A_wrapped_key_copied_to_another_tenant_fails_as_a_CryptographicException()
    {
        using var provider = Provider(_kms.CreateKey());
        var generated = await provider.GenerateDataKeyAsync(new TenantId("tenant-a"), default);

        Assert.That(async () => await provider.DecryptDataKeyAsync(new TenantId("tenant-b"), generated.Wrapped, default), Throws.InstanceOf<CryptographicException>());
        Assert.That(async () => await provider.ReWrapAsync(new TenantId("tenant-b"), generated.Wrapped, default), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task A_wrapped_key_claimed_for_another_key_id_or_tampered_fails_as_a_CryptographicException()
    {
        using var provider = Provider(_kms.CreateKey());
        var generated = await provider.GenerateDataKeyAsync(new TenantId("tenant-a"), default);
        var tampered = generated.Wrapped.Ciphertext.ToArray();
        tampered[^1] ^= 1;

        Assert.That(async () => await provider.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped with { KeyId = _kms.CreateKey() }, default), Throws.InstanceOf<CryptographicException>());
        Assert.That(async () => await provider.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped with { Ciphertext = tampered }, default), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ReWrap_moves_the_data_key_to_the_current_key_and_the_old_key_can_then_be_disabled()
    {
        var oldKey = _kms.CreateKey();
        var newKey = _kms.CreateKey();
        using var before = Provider(oldKey);
        var generated = await before.GenerateDataKeyAsync(new TenantId("tenant-a"), default);

        using var after = Provider(newKey);
        var rewrapped = await after.ReWrapAsync(new TenantId("tenant-a"), generated.Wrapped, default);
        _kms.DisableKey(oldKey);

        Assert.That(rewrapped.KeyId, Is.EqualTo(newKey));
        Assert.That(await after.DecryptDataKeyAsync(new TenantId("tenant-a"), rewrapped, default), Is.EqualTo(generated.Plaintext), "same data key, new wrapping");
        Assert.That(async () => await after.DecryptDataKeyAsync(new TenantId("tenant-a"), generated.Wrapped, default), Throws.InstanceOf<Amazon.KeyManagementService.Model.DisabledException>(),
            "the old wrapping needs the disabled key: an infrastructure fault, not a wrong ciphertext");
        Assert.That(_kms.Operations, Does.Contain("ReEncrypt"), "rotation re-wraps inside KMS; the data key never comes out");
    }

    [Test]
    public async Task TenantKeyService_and_SecretCipher_work_end_to_end_over_KMS_with_one_decrypt_per_cache_period()
    {
        var keyId = _kms.CreateKey();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-kms-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Keys:Provider"] = "Kms",
            ["Keys:KmsKeyId"] = keyId,
            ["Keys:KmsServiceUrl"] = _kms.Address.ToString(),
            ["Keys:KeyTableName"] = _table.KeyTableName,
            ["Storage:DynamoDbServiceUrl"] = _table.Url.ToString(),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton(configuration);
        services.AddBluBeesStoreAndKeys(configuration).AddBluBeesStorageAndKeys(configuration);
        await using var provider = services.BuildServiceProvider();
        try
        {
            Assert.That(provider.GetRequiredService<IKeyEncryptionProvider>(), Is.InstanceOf<KmsKeyEncryptionProvider>());
            var cipher = provider.GetRequiredService<SecretCipher>();
            var sealedSecret = await cipher.EncryptAsync(new TenantId("tenant-a"), "connection/c1", "s3cr3t", default);
            var stored = await provider.GetRequiredService<IStore>().GetAsync(Keys.Tenant("tenant-a"), Keys.DataKey, default);
            Assert.That(stored!.Data, Does.Contain(keyId), "the KEY item names the KMS key that wraps it");

            var keys = provider.GetRequiredService<TenantKeyService>();
            keys.Evict(new TenantId("tenant-a"));
            var decryptsBefore = _kms.Operations.Count(o => o == "Decrypt");
            Assert.That(await cipher.DecryptAsync(new TenantId("tenant-a"), "connection/c1", sealedSecret, default), Is.EqualTo("s3cr3t"));
            Assert.That(await cipher.DecryptAsync(new TenantId("tenant-a"), "connection/c1", sealedSecret, default), Is.EqualTo("s3cr3t"));
            Assert.That(_kms.Operations.Count(o => o == "Decrypt") - decryptsBefore, Is.EqualTo(1), "the unwrapped key is cached");
            Assert.That(async () => await cipher.DecryptAsync(new TenantId("tenant-b"), "connection/c1", sealedSecret, default), Throws.InstanceOf<CryptographicException>());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}

internal static class TestRegistrations
{
    public static IServiceCollection AddBluBeesStorageAndKeys(this IServiceCollection services, IConfiguration configuration)
    {
        BluBees.Engine.Hosting.EngineServiceCollectionExtensions.AddBluBeesStorage(services, configuration);
        BluBees.Engine.Hosting.EngineServiceCollectionExtensions.AddBluBeesKeys(services, configuration);
        return services;
    }
}
