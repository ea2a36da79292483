using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;

namespace BluBees.Aws.Tests.Storage;

/// <summary>One backend on the DynamoDB store (a fresh dynalite table), a token issuer and a loopback third party, for a fixture's tests.</summary>
public abstract class DynamoBackendFixture
{
    protected TestIssuer Issuer { get; private set; } = null!;
    protected ThirdPartyApi ThirdParty { get; private set; } = null!;
    protected DynamoDbTable Table { get; private set; } = null!;
    protected BackendHost Api { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartBackendAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        ThirdParty = await ThirdPartyApi.StartAsync();
        Table = await DynamoDbTable.CreateAsync();
        Api = await BackendHost.StartAsync(Issuer, Table.Settings());
    }

    [OneTimeTearDown]
    public async Task StopBackendAsync()
    {
        await Api.DisposeAsync();
        Table.Dispose();
        await ThirdParty.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
