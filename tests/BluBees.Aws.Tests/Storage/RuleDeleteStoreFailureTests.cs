using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// Deleting a rule removes its head, then each stored version (the definitions, in clear). DynamoDB refusing the
/// version deletes part way (throttling after the SDK's retries) answers 503, and the admin deletes again: that retry
/// must remove the versions left behind, not answer 404 because the head is already gone and leave them for good.
/// </summary>
[TestFixture]
public sealed class RuleDeleteStoreFailureTests : FaultyTableFixture
{
    [Test]
    public async Task A_rule_delete_refused_part_way_is_finished_by_the_retry()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201))["id"]!;
        var id = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "Escalate"), 201))["id"]!;
        await Api.JsonAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection, "Escalate"), 200);
        var store = Api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        Assert.That(await VersionsAsync(store, pk, id), Is.EqualTo(2));
        var versions = Keys.RuleVersionPrefix(id);
        Proxy.Fail((operation, request) => operation == "DeleteItem" && ((string?)request["Key"]?["sk"]?["S"])?.StartsWith(versions, StringComparison.Ordinal) == true
            ? DynamoDbFault.ProvisionedThroughputExceeded : null);

        using (var refused = await Api.SendAsync(HttpMethod.Delete, "/api/rules/" + id, tenant))
        {
            Proxy.Fail(null);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await refused.Content.ReadAsStringAsync());
        }

        using var retried = await Api.SendAsync(HttpMethod.Delete, "/api/rules/" + id, tenant);
        Assert.Multiple(async () =>
        {
            Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "the retry finishes the delete");
            Assert.That(await VersionsAsync(store, pk, id), Is.Zero, "no definition of the deleted rule is left");
        });

        using var again = await Api.SendAsync(HttpMethod.Delete, "/api/rules/" + id, tenant);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "once nothing is left, the rule does not exist");
    }

    private static async Task<int> VersionsAsync(IStore store, string pk, string id)
        => (await store.QueryAsync(new QueryRequest(pk, Keys.RuleVersionPrefix(id)) { Limit = 1000 }, default)).Items.Count;
}
