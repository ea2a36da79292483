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

    public async Task<int> DeleteAsync(string pk, CancellationToken ct)
    {
        var query = new QueryRequest
        {
            TableName = table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            KeyConditionExpression = "#pk = :pk",
            ProjectionExpression = "#pk, #sk",
            ExpressionAttributeNames = new() { ["#pk"] = Pk, ["#sk"] = Sk },
            ExpressionAttributeValues = new() { [":pk"] = S(pk) },
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
