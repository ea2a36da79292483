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
/// Expired items that DynamoDB's TTL has not deleted yet (up to two days of them) are read and dropped: after a
/// response that held some, the next asks for at least twice as many items as the one before (up to
/// <see cref="MaxAsk"/>; DynamoDB's 1 MB still caps each), so reading through them takes a few requests, not one per
/// <c>Limit</c> items (a query for one item behind a thousand expired ones took 500). Live items read beyond the
/// page are dropped: the cursor is the last item kept. And once the page is full, expired items where the proof of
/// a next page should be end the page with a cursor instead of being read through: a page with a cursor is full, the
/// page after it may be empty (without a cursor), and no page is empty or short while live items follow.
/// </summary>
internal sealed class PartitionQuery(IAmazonDynamoDB client, string table, long now)
{
    /// <summary>The most items one request asks for while reading through expired ones.</summary>
    internal const int MaxAsk = 1000;

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
        var ask = wanted;
        while (true)
        {
            query.Limit = Math.Max(wanted - items.Count, ask);
            var response = await client.QueryAsync(query, ct);
            foreach (var attributes in response.Items ?? [])
            {
                var item = FromItem(attributes);
                if (items.Count < wanted && IsLive(item, now) && bounds.Admits(item.Sk))
                {
                    items.Add(item);
                }
            }

            if (items.Count >= wanted || response.LastEvaluatedKey is not { Count: > 0 } last)
            {
                break;
            }

            // The filter dropped some (expired items, counted in ScannedCount).
            var dropped = (response.ScannedCount ?? 0) > (response.Count ?? 0);
            if (dropped && items.Count == request.Limit)
            {
                // The page is full and only the proof of a next page is missing: rather than read on through expired
                // items (at the end of a range, all those the TTL has yet to delete), answer with a cursor. The next
                // page may then be empty, with no cursor; a page with a cursor is always full.
                return new QueryPage(items, items[^1].Sk);
            }

            // Ask for more at once next time.
            if (dropped)
            {
                ask = Math.Min(Math.Max(ask, query.Limit.Value) * 2, MaxAsk);
            }
            else
            {
                ask = wanted - items.Count;
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
