using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// A rule save is two writes: the new version, then the head that names it. DynamoDB refusing the head's write (after
/// the SDK's retries) answers 503 and the admin saves again; that save must go through, not find the version number
/// taken by the refused save's version and answer 409 "changed at the same time" for every later save of the rule.
/// </summary>
[TestFixture]
public sealed class RuleSaveStoreFailureTests
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
    public async Task A_rule_update_whose_head_write_was_refused_can_be_saved_again()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201))["id"]!;
        var created = await _api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "Escalate"), 201);
        var id = (string)created["id"]!;
        var headKey = Keys.Rule(id);
        _proxy.Fail((operation, request) => operation == "PutItem" && (string?)request["Item"]?["sk"]?["S"] == headKey ? DynamoDbFault.ProvisionedThroughputExceeded : null);

        using (var refused = await _api.SendAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection, "Escalate")))
        {
            _proxy.Fail(null);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await refused.Content.ReadAsStringAsync());
        }

        var saved = await _api.JsonAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection, "Escalate"), 200);
        Assert.That((int)saved["version"]!, Is.EqualTo(2), "the retry saves the next version");
        var read = await _api.JsonAsync(HttpMethod.Get, "/api/rules/" + id, tenant);
        Assert.That((int)read["version"]!, Is.EqualTo(2));
    }
}
