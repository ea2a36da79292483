using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2.Model;
using BluBees.Engine.Storage;
using static BluBees.Aws.DynamoDb.ItemAttributes;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// Every tenant partition holding a live data key (<see cref="IDataKeyScan"/>): a Scan of the table filtered to the
/// <c>KEY</c> items, only the partition key read back, strongly consistent. Reads the whole table (its read capacity
/// counts every item scanned): for the operator's key rotation only.
/// </summary>
internal sealed partial class DynamoDbStore : IDataKeyScan
{
    public async IAsyncEnumerable<TenantId> TenantsWithDataKeyAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = Keys.TenantPartitionPrefix;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Client.ScanAsync(new ScanRequest
            {
                TableName = _table,
                ConsistentRead = true,
                ReturnConsumedCapacity = Amazon.DynamoDBv2.ReturnConsumedCapacity.TOTAL,
                FilterExpression = "#sk = :key AND begins_with(#pk, :prefix) AND (attribute_not_exists(#ttl) OR #ttl > :now)",
                ProjectionExpression = "#pk",
                ExpressionAttributeNames = new() { ["#pk"] = Pk, ["#sk"] = Sk, ["#ttl"] = Ttl },
                ExpressionAttributeValues = new() { [":key"] = S(Keys.DataKey), [":prefix"] = S(prefix), [":now"] = N(Now) },
                ExclusiveStartKey = start,
            }, ct);
            foreach (var item in page.Items)
            {
                yield return new TenantId(Keys.TenantOfPartition(item[Pk].S));
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }
}
