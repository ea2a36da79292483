using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Logging;
using static BluBees.Aws.DynamoDb.ItemAttributes;
using EngineQuery = BluBees.Engine.Storage.QueryRequest;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// The production store: one DynamoDB table, same contract as the SQLite store. Single-item conditional writes
/// only (no transactions: dynalite has none, and the contract needs none). Reads are strongly consistent, so
/// a write is visible to the next read like in SQLite. Expired items are filtered on every read: DynamoDB's
/// TTL sweep lags by up to days, and dynalite has none. Every request asks for its consumed capacity (TOTAL), which
/// the client's <see cref="AwsRequestMeter"/> adds to the metrics.
/// </summary>
internal sealed partial class DynamoDbStore : IStore, IDisposable
{
    private readonly Lazy<IAmazonDynamoDB> _client;
    private readonly string _table;
    private readonly TimeProvider _time;
    private readonly ILogger<DynamoDbStore> _logger;

    public DynamoDbStore(Lazy<IAmazonDynamoDB> client, string tableName, TimeProvider time, ILogger<DynamoDbStore> logger)
    {
        _client = client;
        _table = tableName;
        _time = time;
        _logger = logger;
    }

    public string TableName => _table;

    private IAmazonDynamoDB Client => _client.Value;

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    public async Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct)
    {
        ItemSize.Check(item);

        // Absent, or present but expired: an expired item is invisible, so it counts as absent.
        var request = new PutItemRequest
        {
            TableName = _table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            Item = ToItem(item, 1),
            ConditionExpression = "attribute_not_exists(#pk) OR #ttl <= :now",
            ExpressionAttributeNames = new() { ["#pk"] = Pk, ["#ttl"] = Ttl },
            ExpressionAttributeValues = new() { [":now"] = N(Now) },
        };
        return await TryConditionalAsync(Client.PutItemAsync(request, ct));
    }

    public async Task PutAsync(StoreItem item, CancellationToken ct)
    {
        ItemSize.Check(item);
        var values = new Dictionary<string, AttributeValue> { [":data"] = S(item.Data), [":zero"] = N(0), [":one"] = N(1) };
        var update = "SET #data = :data, #rev = if_not_exists(#rev, :zero) + :one";
        if (item.ExpiresAt is { } expires)
        {
            update += ", #ttl = :ttl";
            values[":ttl"] = N(expires);
        }
        else
        {
            update += " REMOVE #ttl";
        }

        await Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            Key = Key(item.Pk, item.Sk),
            UpdateExpression = update,
            ExpressionAttributeNames = new() { ["#data"] = Data, ["#rev"] = Rev, ["#ttl"] = Ttl },
            ExpressionAttributeValues = values,
        }, ct);
    }

    /// <summary>
    /// Up to <see cref="PutManyInFlight"/> puts at once: the same units as one by one, a fraction of the time.
    /// BatchWriteItem is not used: its PutRequest replaces the item, so it could not add to the revision.
    /// </summary>
    public Task PutManyAsync(IReadOnlyList<StoreItem> items, CancellationToken ct)
        => Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = PutManyInFlight, CancellationToken = ct }, async (item, token) => await PutAsync(item, token));

    private const int PutManyInFlight = 8;

    public async Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
    {
        if (expectedRevision == 0)
        {
            return await PutIfAbsentAsync(item, ct);
        }

        ItemSize.Check(item);

        var request = new PutItemRequest
        {
            TableName = _table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            Item = ToItem(item, expectedRevision + 1),
            ConditionExpression = "#rev = :expected AND (attribute_not_exists(#ttl) OR #ttl > :now)",
            ExpressionAttributeNames = new() { ["#rev"] = Rev, ["#ttl"] = Ttl },
            ExpressionAttributeValues = new() { [":expected"] = N(expectedRevision), [":now"] = N(Now) },
        };
        return await TryConditionalAsync(Client.PutItemAsync(request, ct));
    }

    public async Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
    {
        var response = await Client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(pk, sk), ConsistentRead = true, ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL }, ct);
        if (response.Item is not { Count: > 0 } attributes)
        {
            return null;
        }

        var item = FromItem(attributes);
        return IsLive(item, Now) ? item : null;
    }

    public Task<QueryPage> QueryAsync(EngineQuery request, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        return new PartitionQuery(Client, _table, Now).RunAsync(request, ct);
    }

    public async Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct)
    {
        // Like the SQLite store: true when an item was there, expired or not.
        var response = await Client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            Key = Key(pk, sk),
            ReturnValues = ReturnValue.ALL_OLD,
        }, ct);
        return response.Attributes is { Count: > 0 };
    }

    public async Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
    {
        try
        {
            await Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _table,
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
                Key = Key(pk, sk),
                ConditionExpression = "#rev = :expected AND (attribute_not_exists(#ttl) OR #ttl > :now)",
                ExpressionAttributeNames = new() { ["#rev"] = Rev, ["#ttl"] = Ttl },
                ExpressionAttributeValues = new() { [":expected"] = N(expectedRevision), [":now"] = N(Now) },
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct)
        => new PartitionDeleter(Client, _table, _time, count => LogUnprocessed(_logger, count)).DeleteAsync(pk, ct);

    private static async Task<bool> TryConditionalAsync(Task<PutItemResponse> write)
    {
        try
        {
            await write;
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB left {Count} deletes unprocessed; retrying with back-off")]
    private static partial void LogUnprocessed(ILogger logger, int count);
}
