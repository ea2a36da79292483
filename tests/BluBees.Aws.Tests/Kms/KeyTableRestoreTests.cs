using System.Net;
using System.Security.Cryptography;
using Amazon.DynamoDBv2.Model;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Support;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Tests.Kms;

/// <summary>
/// On the DynamoDB store with KMS, the main table has point-in-time recovery (35 days) and the KMS key serves every
/// tenant: a restored copy of the table, with <c>kms:Decrypt</c>, must not open what was deleted since. A restore is
/// simulated by copying every item of the main table (a scan) before the delete and putting the copies into a fresh
/// table; an engine over that copy, the same KMS key and the same key table (which has no PITR: what is deleted there
/// is gone) then tries to open the secret.
/// </summary>
[TestFixture]
public sealed class KeyTableRestoreTests : DynamoBackendFixture
{
    protected override bool UsesKms => true;

    [Test]
    public async Task A_restored_copy_of_the_main_table_does_not_open_a_deleted_connections_secret()
    {
        var tenant = Samples.NewTenant();
        var deleted = await CreateConnectionAsync(tenant, "DeletedSecret");
        var kept = await CreateConnectionAsync(tenant, "KeptSecret");
        var copy = await CopyMainTableAsync();

        using (var delete = await Api.SendAsync(HttpMethod.Delete, "/api/connections/" + deleted, tenant))
        {
            Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        await using var restored = await RestoreAsync(copy);
        Assert.Multiple(async () =>
        {
            Assert.That(await RevealAsync(restored, tenant, kept), Is.EqualTo("KeptSecret"), "control: the restored copy opens a secret still stored");
            Assert.That(async () => await RevealAsync(restored, tenant, deleted), Throws.InstanceOf<CryptographicException>(), "the deleted connection's secret opened from the restored copy");
        });
    }

    [Test]
    public async Task A_restored_copy_of_the_main_table_does_not_open_an_uninstalled_tenants_secret()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        var gone = await CreateConnectionAsync(tenant, "UninstalledSecret");
        var stays = await CreateConnectionAsync(bystander, "BystanderSecret");
        var copy = await CopyMainTableAsync();

        using (var uninstall = await Api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new System.Text.Json.Nodes.JsonObject()))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var keyPartitions = await KeyTablePartitionsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(keyPartitions, Does.Not.Contain(KeyPartitionOf(tenant)), "the uninstall left items of the tenant in the key table");
            Assert.That(keyPartitions, Does.Contain(KeyPartitionOf(bystander)), "control: another tenant's shares stay");
        });

        await using var restored = await RestoreAsync(copy);
        Assert.Multiple(async () =>
        {
            Assert.That(await RevealAsync(restored, bystander, stays), Is.EqualTo("BystanderSecret"), "control: the restored copy opens a live tenant's secret");
            Assert.That(async () => await RevealAsync(restored, tenant, gone), Throws.InstanceOf<CryptographicException>(), "the uninstalled tenant's secret opened from the restored copy");
        });
    }

    [Test]
    public async Task A_data_key_an_earlier_release_stored_without_a_share_is_sealed_under_one_at_its_first_load_so_a_restored_copy_does_not_open_it_after_the_uninstall()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        await StoreEarlierReleaseKeyAsync(tenant);
        await CreateConnectionAsync(tenant, "EarlierReleaseSecret"); // the backend's first load of that key
        await CreateConnectionAsync(bystander, "BystanderSecret");
        var copy = await CopyMainTableAsync(); // after the deploy and the key's first load, before the uninstall

        using (var uninstall = await Api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new System.Text.Json.Nodes.JsonObject()))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await using var restored = await RestoreAsync(copy);
        var keys = restored.Engine.Get<TenantKeyService>();
        Assert.Multiple(async () =>
        {
            Assert.That(await keys.GetExistingAsync(new TenantId(bystander), CancellationToken.None), Is.Not.Null, "control: the restored copy opens a live tenant's data key");
            Assert.That(async () => await keys.GetExistingAsync(new TenantId(tenant), CancellationToken.None), Throws.InstanceOf<CryptographicException>(),
                "the uninstalled tenant's data key, stored by an earlier release without a share, opened from the restored copy");
        });
    }

    /// <summary>The tenant's KEY item as a release before the key table wrote it: the KMS blob alone.</summary>
    private async Task StoreEarlierReleaseKeyAsync(string tenant)
    {
        using var kms = BluBees.Aws.AwsClientFactory.Kms(Kms.Address.ToString());
        var generated = await kms.GenerateDataKeyAsync(new Amazon.KeyManagementService.Model.GenerateDataKeyRequest
        {
            KeyId = KmsKeyArn,
            KeySpec = Amazon.KeyManagementService.DataKeySpec.AES_256,
            EncryptionContext = new() { [BluBees.Aws.Kms.KmsKeyEncryptionProvider.ContextKey] = tenant },
        });
        var stored = new StoredDataKey(generated.KeyId, Convert.ToBase64String(generated.CiphertextBlob.ToArray()), DateTimeOffset.UtcNow);
        var settings = Table.Settings();
        settings["Keys:Provider"] = "Kms";
        settings["Keys:KmsKeyId"] = KmsKeyArn;
        settings["Keys:KmsServiceUrl"] = Kms.Address.ToString();
        settings["Keys:KeyTableName"] = Table.KeyTableName;
        await using var engine = LocalEngine.Create(settings);
        var written = await engine.Get<IStore>().ForTenant(new TenantId(tenant))
            .PutIfAbsentAsync(BluBees.Engine.Storage.Keys.DataKey, System.Text.Json.JsonSerializer.Serialize(stored, BluBees.Engine.Json.JsonDefaults.Options), CancellationToken.None);
        Assert.That(written, Is.True, "the earlier release's KEY item was not stored");
    }

    private async Task<string> CreateConnectionAsync(string tenant, string secret)
        => (await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, secret), 201))["id"]!.GetValue<string>();

    /// <summary>Every item of the main table as it is now (what a point-in-time restore to this moment brings back).</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> CopyMainTableAsync()
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Table.Client.ScanAsync(new ScanRequest { TableName = Table.Name, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return items;
    }

    /// <summary>The partition keys of every item in the key table (a tenant's: <c>T#</c> and the SHA-256 of its id).</summary>
    private async Task<HashSet<string>> KeyTablePartitionsAsync()
    {
        var partitions = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Table.Client.ScanAsync(new ScanRequest { TableName = Table.KeyTableName, ExclusiveStartKey = start, ConsistentRead = true });
            partitions.UnionWith(page.Items.Select(i => i["pk"].S));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return partitions;
    }

    private static string KeyPartitionOf(string tenant) => "T#" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenant)));

    /// <summary>A fresh table holding <paramref name="items"/>, and an engine over it with the live KMS key and key table.</summary>
    private async Task<RestoredCopy> RestoreAsync(List<Dictionary<string, AttributeValue>> items)
    {
        var table = await DynamoDbTable.CreateAsync();
        foreach (var item in items)
        {
            await table.Client.PutItemAsync(new PutItemRequest { TableName = table.Name, Item = item });
        }

        var settings = table.Settings();
        settings["Keys:Provider"] = "Kms";
        settings["Keys:KmsKeyId"] = KmsKeyArn;
        settings["Keys:KmsServiceUrl"] = Kms.Address.ToString();
        settings["Keys:KeyTableName"] = Table.KeyTableName;
        return new RestoredCopy(table, LocalEngine.Create(settings));
    }

    private static async Task<string> RevealAsync(RestoredCopy restored, string tenant, string connectionId)
    {
        var id = new TenantId(tenant);
        var connection = await restored.Engine.Get<ConnectionService>().GetAsync(id, connectionId, CancellationToken.None)
            ?? throw new AssertionException("the restored copy holds no connection " + connectionId);
        return await restored.Engine.Get<SecretCipher>().DecryptAsync(id, ConnectionService.SecretRecordId(connectionId), connection.SecretCiphertext!, CancellationToken.None);
    }

    private sealed class RestoredCopy(DynamoDbTable table, LocalEngine engine) : IAsyncDisposable
    {
        public LocalEngine Engine => engine;

        public async ValueTask DisposeAsync()
        {
            await engine.DisposeAsync();
            table.Dispose();
        }
    }
}
