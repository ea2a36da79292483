using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static BluBees.Aws.DynamoDb.ItemAttributes;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// Deletes a whole partition without transactions: reads keys only (projection pk, sk) page by page and
/// deletes them with BatchWriteItem in chunks of 25 (the API's maximum), re-sending unprocessed items with
/// exponential back-off. Counts every item deleted, expired or not, like the SQLite store.
/// </summary>
internal sealed class PartitionDeleter(IAmazonDynamoDB client, string table, TimeProvider time, Action<int> onUnprocessed)
{
    public const int BatchSize = 25;
    private const int MaxAttempts = 10;

    /// <summary>
    /// The items that never expire first (<see cref="Engine.Storage.Keys.LastingPrefixes"/>: definitions, secrets,
    /// settings), one key range each, then whatever is left: a delete refused or cut off part way leaves only items
    /// that expire by themselves, never a rule definition that would stay in the table for good.
    /// </summary>
    public async Task<int> DeleteAsync(string pk, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var prefix in Engine.Storage.Keys.LastingPrefixes)
        {
            deleted += await DeleteRangeAsync(pk, prefix, ct);
        }

        return deleted + await DeleteRangeAsync(pk, null, ct);
    }

    private async Task<int> DeleteRangeAsync(string pk, string? prefix, CancellationToken ct)
    {
        var query = new QueryRequest
        {
            TableName = table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            KeyConditionExpression = prefix is null ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :prefix)",
            ProjectionExpression = "#pk, #sk",
            ExpressionAttributeNames = new() { ["#pk"] = Pk, ["#sk"] = Sk },
            ExpressionAttributeValues = prefix is null ? new() { [":pk"] = S(pk) } : new() { [":pk"] = S(pk), [":prefix"] = S(prefix) },
            ConsistentRead = true,
        };
        var deleted = 0;
        do
        {
            var page = await client.QueryAsync(query, ct);
            foreach (var chunk in (page.Items ?? []).Chunk(BatchSize))
            {
                await WriteAsync(chunk.Select(key => new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key(key[Pk].S, key[Sk].S) } }).ToList(), ct);
                deleted += chunk.Length;
            }

            query.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (query.ExclusiveStartKey is not null);

        return deleted;
    }

    private async Task WriteAsync(List<WriteRequest> requests, CancellationToken ct)
    {
        var pending = new Dictionary<string, List<WriteRequest>> { [table] = requests };
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending, ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL }, ct);
            if (response.UnprocessedItems is not { Count: > 0 } unprocessed || !unprocessed.TryGetValue(table, out var left) || left.Count == 0)
            {
                return;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"DynamoDB left {left.Count} deletes unprocessed after {MaxAttempts} attempts.");
            }

            onUnprocessed(left.Count);
            pending = unprocessed;
            // 50 ms, 100 ms, 200 ms… capped at 5 s (throttling: the table or partition is hot).
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 50 << (attempt - 1))), time, ct);
        }
    }
}
