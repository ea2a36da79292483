using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// The real app on a dynalite table reached through <see cref="DynamoDbFaultProxy"/>, so a test can have DynamoDB
/// refuse chosen requests (throttling, 5xx) the way the service does, plus a loopback third-party API for connections.
/// </summary>
public abstract class FaultyTableFixture
{
    protected TestIssuer Issuer { get; private set; } = null!;

    protected ThirdPartyApi ThirdParty { get; private set; } = null!;

    protected DynamoDbTable Table { get; private set; } = null!;

    protected DynamoDbFaultProxy Proxy { get; private set; } = null!;

    protected BackendHost Api { get; private set; } = null!;

    /// <summary>The backend's settings beyond the table's (null: none).</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    [OneTimeSetUp]
    public async Task StartFaultyTableAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        ThirdParty = await ThirdPartyApi.StartAsync();
        Table = await DynamoDbTable.CreateAsync();
        Proxy = await DynamoDbFaultProxy.StartAsync(Table.Url);
        var settings = Table.Settings();
        settings["Storage:DynamoDbServiceUrl"] = Proxy.Address.ToString();
        foreach (var (key, value) in Settings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        Api = await BackendHost.StartAsync(Issuer, settings);
    }

    [OneTimeTearDown]
    public async Task StopFaultyTableAsync()
    {
        await Api.DisposeAsync();
        await Proxy.DisposeAsync();
        Table.Dispose();
        await ThirdParty.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
