using System.Globalization;
using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using static BluBees.Aws.DynamoDb.ItemAttributes;

namespace BluBees.Aws.Kms;

/// <summary>
/// The key table (<c>Keys:KeyTableName</c>, template.yaml <c>KeyTable</c>): a DynamoDB table without point-in-time
/// recovery or backups, so that an item deleted there is gone for good. The AWS counterpart of the local ring's
/// <c>tenant-keys/</c> (<see cref="TenantKeyShares"/>): per tenant (partition <c>T#&lt;SHA-256 of the tenant id&gt;</c>)
/// one random 32-byte share under <c>TENANT</c>, which the wrapped data key in the main table needs
/// (<see cref="KmsKeyEncryptionProvider"/>), and one share per stored secret under <c>SECRET#&lt;id&gt;</c>
/// (<see cref="SecretCipher"/>). The main table, which point-in-time recovery can bring back for 35 days, alone opens
/// nothing once the tenant's or the secret's share is deleted here, whatever KMS still unwraps.
/// <para>Reads are strongly consistent (a share just written by another instance must be found). Secret shares read are
/// kept in memory (<see cref="SecretShareCache"/>, bounded, dropped before their delete), so a run opening its
/// connection's secret does not read the table each time.</para>
/// </summary>
internal sealed class KeyShareTable(Lazy<IAmazonDynamoDB> client, string table, TimeProvider time) : IDisposable
{
    public const int Size = 32;
    private const string TenantSk = "TENANT";
    private const string SecretPrefix = Keys.SecretSharePrefix;
    private const string ShareAttribute = "share";
    private const string WrittenAttribute = "written";

    private readonly SecretShareCache _secretShares = new();

    public string Name => table;

    private IAmazonDynamoDB Client => client.Value;

    /// <summary>The tenant's share, or null when it has none (never created, or deleted by its uninstall).</summary>
    public Task<byte[]?> FindTenantShareAsync(TenantId tenantId, CancellationToken ct) => ReadAsync(PartitionOf(tenantId), TenantSk, ct);

    /// <summary>The tenant's share, created when it has none; two creators at once end with the same one.</summary>
    public async Task<byte[]> GetOrCreateTenantShareAsync(TenantId tenantId, CancellationToken ct)
    {
        if (await FindTenantShareAsync(tenantId, ct) is { } existing)
        {
            return existing;
        }

        var share = RandomNumberGenerator.GetBytes(Size);
        if (await TryPutNewAsync(PartitionOf(tenantId), TenantSk, share, ct))
        {
            return share;
        }

        CryptographicOperations.ZeroMemory(share);
        return await FindTenantShareAsync(tenantId, ct) ?? throw new CryptographicException("The tenant's key share was deleted while it was being created (an uninstall at the same time).");
    }

    /// <summary>A new share for one secret of the tenant, written before the ciphertext that names it.</summary>
    public async Task<SecretShare> CreateSecretShareAsync(TenantId tenantId, CancellationToken ct)
    {
        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var share = RandomNumberGenerator.GetBytes(Size);
            if (await TryPutNewAsync(PartitionOf(tenantId), SecretPrefix + id, share, ct))
            {
                return new SecretShare(id, share);
            }

            CryptographicOperations.ZeroMemory(share);
        }
    }

    /// <summary>The share of one secret (a copy: zero it), or null when it is gone (the secret deleted or replaced).</summary>
    public async ValueTask<byte[]?> FindSecretShareAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (!TenantKeyShares.IsShareId(id))
        {
            return null;
        }

        if (_secretShares.Find(tenantId.Value, id) is { } cached)
        {
            return cached;
        }

        var generation = _secretShares.Generation;
        var share = await ReadAsync(PartitionOf(tenantId), SecretPrefix + id, ct);
        if (share is not null)
        {
            _secretShares.Add(tenantId.Value, id, share, generation);
        }

        return share;
    }

    /// <summary>Deletes one secret's share (dropped from memory first): no copy of the ciphertext naming it opens again.</summary>
    public async Task DeleteSecretShareAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (!TenantKeyShares.IsShareId(id))
        {
            return;
        }

        _secretShares.Forget(tenantId.Value, id);
        await Client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key(PartitionOf(tenantId), SecretPrefix + id) }, ct);
    }

    /// <summary>The ids of the tenant's secret shares, with the time each was written.</summary>
    public async Task<IReadOnlyList<(string Id, DateTimeOffset WrittenAt)>> ListSecretSharesAsync(TenantId tenantId, CancellationToken ct)
    {
        var shares = new List<(string, DateTimeOffset)>();
        await foreach (var item in QueryAsync(PartitionOf(tenantId), SecretPrefix, ct))
        {
            var written = item.TryGetValue(WrittenAttribute, out var value) && long.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : DateTimeOffset.MinValue; // unreadable: old enough for the sweep
            shares.Add((item[Sk].S[SecretPrefix.Length..], written));
        }

        return shares;
    }

    /// <summary>
    /// Deletes the tenant's share first (from then on its data key opens nowhere), then every secret share of the
    /// tenant, including one written meanwhile (a run in flight sealing a rotated refresh token): the tenant's partition
    /// is read again until it is empty.
    /// </summary>
    public async Task DeleteTenantAsync(TenantId tenantId, CancellationToken ct)
    {
        _secretShares.ForgetTenant(tenantId.Value);
        var partition = PartitionOf(tenantId);
        await Client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key(partition, TenantSk) }, ct);
        for (var pass = 0; pass < 5; pass++)
        {
            var any = false;
            await foreach (var item in QueryAsync(partition, null, ct))
            {
                any = true;
                await Client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key(partition, item[Sk].S) }, ct);
            }

            if (!any)
            {
                break;
            }
        }

        _secretShares.ForgetTenant(tenantId.Value);
    }

    private async Task<byte[]?> ReadAsync(string pk, string sk, CancellationToken ct)
    {
        var response = await Client.GetItemAsync(new GetItemRequest { TableName = table, Key = Key(pk, sk), ConsistentRead = true }, ct);
        if (response.Item is not { Count: > 0 } item || !item.TryGetValue(ShareAttribute, out var value) || value.B is null)
        {
            return null;
        }

        var share = value.B.ToArray();
        return share.Length == Size ? share : null;
    }

    /// <summary>Writes a share under a key no item has yet; false when one has (never replaced: it may be in use).</summary>
    private async Task<bool> TryPutNewAsync(string pk, string sk, byte[] share, CancellationToken ct)
    {
        var item = Key(pk, sk);
        item[ShareAttribute] = new AttributeValue { B = new MemoryStream(share, writable: false) };
        item[WrittenAttribute] = N(time.GetUtcNow().ToUnixTimeMilliseconds());
        try
        {
            await Client.PutItemAsync(new PutItemRequest
            {
                TableName = table,
                Item = item,
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = Pk },
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> QueryAsync(string pk, string? prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var query = new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = table,
            KeyConditionExpression = prefix is null ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :prefix)",
            ProjectionExpression = "#sk, #written",
            ExpressionAttributeNames = new() { ["#pk"] = Pk, ["#sk"] = Sk, ["#written"] = WrittenAttribute },
            ExpressionAttributeValues = prefix is null ? new() { [":pk"] = S(pk) } : new() { [":pk"] = S(pk), [":prefix"] = S(prefix) },
            ConsistentRead = true,
        };
        do
        {
            var page = await Client.QueryAsync(query, ct);
            foreach (var item in page.Items ?? [])
            {
                yield return item;
            }

            query.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (query.ExclusiveStartKey is not null);
    }

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }
    }

    private static string PartitionOf(TenantId tenantId) => Keys.KeyTablePartition(tenantId);
}
