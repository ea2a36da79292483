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
public sealed class RuleSaveStoreFailureTests : FaultyTableFixture
{
    [Test]
    public async Task A_rule_update_whose_head_write_was_refused_can_be_saved_again()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201))["id"]!;
        var created = await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "Escalate"), 201);
        var id = (string)created["id"]!;
        var headKey = Keys.Rule(id);
        Proxy.Fail((operation, request) => operation == "PutItem" && (string?)request["Item"]?["sk"]?["S"] == headKey ? DynamoDbFault.ProvisionedThroughputExceeded : null);

        using (var refused = await Api.SendAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection, "Escalate")))
        {
            Proxy.Fail(null);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await refused.Content.ReadAsStringAsync());
        }

        var saved = await Api.JsonAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection, "Escalate"), 200);
        Assert.That((int)saved["version"]!, Is.EqualTo(2), "the retry saves the next version");
        var read = await Api.JsonAsync(HttpMethod.Get, "/api/rules/" + id, tenant);
        Assert.That((int)read["version"]!, Is.EqualTo(2));
    }
}
