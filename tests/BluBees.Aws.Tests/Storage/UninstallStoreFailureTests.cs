using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// An uninstall whose partition delete DynamoDB throttles part way (Forge's preUninstall is best effort, not retried):
/// the tenant's data key goes first, so whatever is left behind is crypto-shredded, never readable again.
/// </summary>
[TestFixture]
public sealed class UninstallStoreFailureTests
{
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private DynamoDbTable _table = null!;
    private DynamoDbFaultProxy _proxy = null!;
    private BackendHost _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _table = await DynamoDbTable.CreateAsync();
        _proxy = await DynamoDbFaultProxy.StartAsync(_table.Url);
        var settings = _table.Settings();
        settings["Storage:DynamoDbServiceUrl"] = _proxy.Address.ToString();
        _api = await BackendHost.StartAsync(_issuer, settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _proxy.DisposeAsync();
        _table.Dispose();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_throttled_partition_delete_still_removes_the_data_key_first()
    {
        var tenant = Samples.NewTenant();
        await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
        var store = _api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        Assert.That(await store.GetAsync(pk, Keys.DataKey, default), Is.Not.Null, "the tenant has a data key");
        // Items that sort before the data key (de-duplication markers: "DEDUP#…" < "KEY"), more than one batch of deletes.
        await store.PutManyAsync([.. Enumerable.Range(0, 60).Select(i => new StoreItem(pk, Keys.Dedup($"seeded-{i:D3}"), "{}"))], default);
        _proxy.Fail((operation, _) => operation == "BatchWriteItem" ? DynamoDbFault.ProvisionedThroughputExceeded : null);

        using var response = await _api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await response.Content.ReadAsStringAsync());
        _proxy.Fail(null);
        Assert.That(await store.GetAsync(pk, Keys.DataKey, default), Is.Null, "the data key is gone although the rest could not be deleted");
    }
}
