using Amazon.DynamoDBv2;
using BluBees.Aws.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Aws.Tests.Dynalite;

/// <summary>
/// A fresh, uniquely named table in dynalite, with a client and a store over it; and beside it a fresh key table (the
/// table without point-in-time recovery that holds the KMS provider's key shares, <c>Keys:KeyTableName</c>).
/// </summary>
public sealed class DynamoDbTable : IDisposable
{
    private DynamoDbTable(Uri url, string name, IAmazonDynamoDB client)
    {
        Url = url;
        Name = name;
        Client = client;
    }

    public Uri Url { get; }
    public string Name { get; }

    /// <summary>The key table that goes with this table (used when the keys are on KMS).</summary>
    public string KeyTableName => Name + "-keys";
    public IAmazonDynamoDB Client { get; }

    public static async Task<DynamoDbTable> CreateAsync()
    {
        var url = await DynaliteServer.UrlAsync();
        var name = "blubees-test-" + Guid.NewGuid().ToString("N")[..12];
        var client = AwsClientFactory.DynamoDb(url.ToString());
        await TableBootstrapper.EnsureTableAsync(client, name, CancellationToken.None);
        await TableBootstrapper.EnsureTableAsync(client, name + "-keys", CancellationToken.None);
        return new DynamoDbTable(url, name, client);
    }

    internal DynamoDbStore Store(TimeProvider time)
        => new(new Lazy<IAmazonDynamoDB>(() => Client), Name, time, NullLogger<DynamoDbStore>.Instance);

    /// <summary>Settings that point an app or the operator CLI at this table.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Storage:Provider"] = "DynamoDb",
        ["Storage:TableName"] = Name,
        ["Storage:DynamoDbServiceUrl"] = Url.ToString(),
        // Dynalite shares 2 cores with the whole suite: a request can wait for CPU far longer than DynamoDB ever
        // answers. The production bound (2 s per attempt) is tested where it matters (IngressStoreFailureTests).
        ["Storage:DynamoDbTimeoutMilliseconds"] = "15000",
        ["Keys:KeyTableName"] = KeyTableName,
    };

    public void Dispose() => Client.Dispose();
}
