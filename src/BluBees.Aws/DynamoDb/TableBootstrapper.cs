using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// Creates the table when it is missing: for tests (dynalite) and local development only. The production
/// table, with its TTL, PITR and KMS settings, comes from template.yaml; the app never creates it.
/// </summary>
internal static class TableBootstrapper
{
    public static async Task EnsureTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken ct)
    {
        try
        {
            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = tableName,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                AttributeDefinitions =
                [
                    new AttributeDefinition(ItemAttributes.Pk, ScalarAttributeType.S),
                    new AttributeDefinition(ItemAttributes.Sk, ScalarAttributeType.S),
                ],
                KeySchema =
                [
                    new KeySchemaElement(ItemAttributes.Pk, KeyType.HASH),
                    new KeySchemaElement(ItemAttributes.Sk, KeyType.RANGE),
                ],
            }, ct);
        }
        catch (ResourceInUseException)
        {
            // Exists already (or is being created by a concurrent caller): wait for it below.
        }

        // Real time on purpose, not a TimeProvider: this bounds the wait for DynamoDB's own table state machine (at
        // start-up and in operator commands); a fake clock that never advances would poll an unready table for ever.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var table = await client.DescribeTableAsync(tableName, ct);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Table '{tableName}' did not become ACTIVE within 30 s.");
            }

            // Polling a real server's state machine (dynalite: --createTableMs); there is no clock to fake.
            await Task.Delay(50, ct);
        }
    }
}
