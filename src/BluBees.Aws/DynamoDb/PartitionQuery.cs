using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using BluBees.Engine.Storage;
using static BluBees.Aws.DynamoDb.ItemAttributes;
using DynamoQuery = Amazon.DynamoDBv2.Model.QueryRequest;
using EngineQuery = BluBees.Engine.Storage.QueryRequest;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// One page of live items of one partition. DynamoDB applies <c>Limit</c> before the filter expression and
/// stops a page at 1 MB, so a response can hold fewer live items than asked (even none) while more follow.
/// The loop therefore asks again from <c>LastEvaluatedKey</c> until it holds Limit + 1 live items or the
/// range ends; the extra item only proves that a next page exists, exactly like the SQLite store's LIMIT n+1.
/// </summary>
internal sealed class PartitionQuery(IAmazonDynamoDB client, string table, long now)
{
    public async Task<QueryPage> RunAsync(EngineQuery request, CancellationToken ct)
    {
        if (KeyBounds.For(request) is not { } bounds)
        {
            return new QueryPage([], null);
        }

        var wanted = request.Limit + 1;
        var items = new List<StoreItem>(Math.Min(wanted, 256));
        var query = Build(request, bounds);
        query.ExclusiveStartKey = bounds.ExclusiveStart is { } start ? Key(request.Pk, start) : null;
        while (true)
        {
            query.Limit = wanted - items.Count;
            var response = await client.QueryAsync(query, ct);
            foreach (var attributes in response.Items ?? [])
            {
                var item = FromItem(attributes);
                if (IsLive(item, now) && bounds.Admits(item.Sk))
                {
                    items.Add(item);
                }
            }

            if (items.Count >= wanted || response.LastEvaluatedKey is not { Count: > 0 } last)
            {
                break;
            }

            query.ExclusiveStartKey = last;
        }

        string? next = null;
        if (items.Count > request.Limit)
        {
            items.RemoveRange(request.Limit, items.Count - request.Limit);
            next = items[^1].Sk;
        }

        return new QueryPage(items, next);
    }

    private DynamoQuery Build(EngineQuery request, KeyBounds bounds)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":pk"] = S(request.Pk),
            [":hi"] = S(bounds.HighInclusive),
            [":now"] = N(now),
        };
        string condition;
        if (bounds.Low.Length == 0)
        {
            // DynamoDB refuses an empty string as a key value; "" is below every key anyway.
            condition = "#pk = :pk AND #sk <= :hi";
        }
        else
        {
            condition = "#pk = :pk AND #sk BETWEEN :lo AND :hi";
            values[":lo"] = S(bounds.Low);
        }

        return new DynamoQuery
        {
            TableName = table,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            KeyConditionExpression = condition,
            FilterExpression = "attribute_not_exists(#ttl) OR #ttl > :now",
            ExpressionAttributeNames = new() { ["#pk"] = Pk, ["#sk"] = Sk, ["#ttl"] = Ttl },
            ExpressionAttributeValues = values,
            ScanIndexForward = !request.Descending,
            ConsistentRead = true,
        };
    }
}
