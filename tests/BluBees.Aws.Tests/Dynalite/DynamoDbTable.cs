using Amazon.DynamoDBv2;
using BluBees.Aws.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Aws.Tests.Dynalite;

/// <summary>A fresh, uniquely named table in dynalite, with a client and a store over it.</summary>
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
    public IAmazonDynamoDB Client { get; }

    public static async Task<DynamoDbTable> CreateAsync()
    {
        var url = await DynaliteServer.UrlAsync();
        var name = "blubees-test-" + Guid.NewGuid().ToString("N")[..12];
        var client = AwsClientFactory.DynamoDb(url.ToString());
        await TableBootstrapper.EnsureTableAsync(client, name, CancellationToken.None);
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
    };

    public void Dispose() => Client.Dispose();
}
