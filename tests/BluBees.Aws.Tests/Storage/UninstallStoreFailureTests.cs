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
public sealed class UninstallStoreFailureTests : FaultyTableFixture
{
    [Test]
    public async Task A_throttled_partition_delete_still_removes_the_data_key_first()
    {
        var tenant = Samples.NewTenant();
        await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
        var store = Api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        Assert.That(await store.GetAsync(pk, Keys.DataKey, default), Is.Not.Null, "the tenant has a data key");
        // Items that sort before the data key (de-duplication markers: "DEDUP#…" < "KEY"), more than one batch of deletes.
        await store.PutManyAsync([.. Enumerable.Range(0, 60).Select(i => new StoreItem(pk, Keys.Dedup($"seeded-{i:D3}"), "{}"))], default);
        Proxy.Fail((operation, _) => operation == "BatchWriteItem" ? DynamoDbFault.ProvisionedThroughputExceeded : null);

        using var response = await Api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await response.Content.ReadAsStringAsync());
        Proxy.Fail(null);
        Assert.That(await store.GetAsync(pk, Keys.DataKey, default), Is.Null, "the data key is gone although the rest could not be deleted");
    }

    /// <summary>
    /// A big tenant's partition is mostly run records and their issue pointers (<c>IRUNI#…</c>), which sort before its
    /// rules (<c>RULE#…</c>, <c>RULEV#…</c>: the definitions, in clear) and expire by themselves. A delete refused
    /// (or cut off by the function's timeout) among the pointers must not leave the definitions, which never expire.
    /// </summary>
    [Test]
    public async Task A_partition_delete_refused_among_the_run_pointers_has_already_removed_the_rule_definitions()
    {
        var tenant = Samples.NewTenant();
        var connection = await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
        await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        var store = Api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        var expires = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds();
        await store.PutManyAsync([.. Enumerable.Range(0, 60).Select(i => new StoreItem(pk, Keys.IssueRun("10001", $"run-{i:D3}"), "{}", expires))], default);
        Assert.That(await CountAsync(store, pk, Keys.RuleVersionsPrefix), Is.EqualTo(1), "the rule's definition is stored");
        Proxy.Fail((operation, request) => operation == "BatchWriteItem" && request.ToJsonString().Contains("IRUNI#", StringComparison.Ordinal)
            ? DynamoDbFault.ProvisionedThroughputExceeded : null);

        using var response = await Api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);

        Proxy.Fail(null);
        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the delete was refused part way");
            Assert.That(await CountAsync(store, pk, Keys.RulePrefix), Is.Zero, "no rule head left");
            Assert.That(await CountAsync(store, pk, Keys.RuleVersionsPrefix), Is.Zero, "no rule definition left");
            Assert.That(await CountAsync(store, pk, Keys.ConnectionPrefix), Is.Zero, "no connection left");
            Assert.That(await CountAsync(store, pk, Keys.IssueRunPrefix("10001")), Is.GreaterThan(0), "only what expires by itself is left");
        });
    }

    private static async Task<int> CountAsync(IStore store, string pk, string prefix)
        => (await store.QueryAsync(new QueryRequest(pk, prefix) { Limit = 1000 }, default)).Items.Count;
}
