using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// Deleting a rule deletes every stored version of it (each holds the definition in clear), however many there are:
/// the versions are read page by page, not as one list capped at some length; and their listing lines (the version
/// history reads those, and a version stored without one). On the DynamoDB store on dynalite.
/// </summary>
[TestFixture]
public sealed class RuleVersionDeleteTests : DynamoBackendFixture
{
    [Test]
    public async Task Deleting_a_rule_with_more_than_a_thousand_versions_deletes_all_of_them()
    {
        var tenant = Samples.NewTenant();
        var connection = await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
        var rule = await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule((string)connection["id"]!), 201);
        var id = (string)rule["id"]!;
        // 1 200 saves through the API would take minutes; the versions a rule edited that often has are written as its saves write them.
        var store = Api.Services.GetRequiredService<IStore>();
        var first = (await store.GetAsync(Keys.Tenant(tenant), Keys.RuleVersion(id, 1), default))!;
        var versions = Enumerable.Range(2, 1199).Select(v =>
        {
            var record = JsonNode.Parse(first.Data)!.AsObject();
            record["version"] = v;
            return first with { Sk = Keys.RuleVersion(id, v), Data = record.ToJsonString() };
        }).ToList();
        await store.PutManyAsync(versions, default);
        Assert.That(await CountVersionsAsync(store, tenant, id), Is.EqualTo(1200));

        using var deleted = await Api.SendAsync(HttpMethod.Delete, "/api/rules/" + id, tenant);

        Assert.That((int)deleted.StatusCode, Is.EqualTo(204), await deleted.Content.ReadAsStringAsync());
        Assert.That(await CountVersionsAsync(store, tenant, id), Is.Zero, "no version of the deleted rule is left in the store");
    }

    [Test]
    public async Task The_version_history_pages_its_listing_lines_and_goes_with_the_rule()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201))["id"]!;
        var id = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection), 201))["id"]!;
        for (var i = 0; i < 2; i++)
        {
            await Api.JsonAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection));
        }

        var store = Api.Services.GetRequiredService<IStore>();
        Assert.That(await CountAsync(store, tenant, Keys.RuleVersionInfoPrefix(id)), Is.EqualTo(3), "one listing line per version");
        // Version 1 as an older build stored it: no listing line. It is listed from the version itself.
        await store.DeleteAsync(Keys.Tenant(tenant), Keys.RuleVersionInfo(id, 1), default);

        var first = await Api.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions?limit=2", tenant);
        var second = await Api.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions?limit=2&cursor={(string)first["nextCursor"]!}", tenant);
        Assert.That(first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(v => (int)v!["version"]!), Is.EqualTo(new[] { 3, 2, 1 }));
        Assert.That(second["nextCursor"], Is.Null);

        using var deleted = await Api.SendAsync(HttpMethod.Delete, "/api/rules/" + id, tenant);
        Assert.That((int)deleted.StatusCode, Is.EqualTo(204));
        Assert.That(await CountAsync(store, tenant, Keys.RuleVersionInfoPrefix(id)), Is.Zero, "no listing line of the deleted rule is left");
        Assert.That(await CountVersionsAsync(store, tenant, id), Is.Zero);
    }

    private static Task<int> CountVersionsAsync(IStore store, string tenant, string id) => CountAsync(store, tenant, Keys.RuleVersionPrefix(id));

    private static async Task<int> CountAsync(IStore store, string tenant, string prefix)
    {
        var count = 0;
        string? cursor = null;
        do
        {
            var page = await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), prefix) { Limit = 500, StartAfter = cursor }, default);
            count += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return count;
    }
}
