using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// The version history's bound (<c>Rules:VersionsKept</c>, 10 here) on the DynamoDB store (dynalite): saves beyond it
/// keep exactly the newest 10 versions and listing lines in the table, the history lists those, a kept old version
/// restores, and one no longer kept is a 404 <c>version_not_kept</c>. Before, every version stayed in the table.
/// </summary>
[TestFixture]
public sealed class RuleVersionRetentionTests : DynamoBackendFixture
{
    private const int Kept = 10;

    protected override Action<IServiceCollection> Services => s => s.Configure<RuleOptions>(o => o.VersionsKept = Kept);

    [Test]
    public async Task Saves_beyond_the_bound_keep_exactly_the_newest_versions_in_the_table()
    {
        var tenant = Samples.NewTenant();
        var connection = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201))["id"]!;
        var id = (string)(await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "Kept 1"), 201))["id"]!;
        for (var v = 2; v <= Kept + 5; v++)
        {
            await Api.JsonAsync(HttpMethod.Put, "/api/rules/" + id, tenant, Samples.Rule(connection, $"Kept {v}"));
        }

        var store = Api.Services.GetRequiredService<IStore>();
        Assert.That(await StoredAsync(store, tenant, Keys.RuleVersionPrefix(id)), Is.EqualTo(Enumerable.Range(6, Kept)));
        Assert.That(await StoredAsync(store, tenant, Keys.RuleVersionInfoPrefix(id)), Is.EqualTo(Enumerable.Range(6, Kept)));
        var listed = await Api.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant);
        Assert.That(listed["items"]!.AsArray().Select(v => (int)v!["version"]!), Is.EqualTo(Enumerable.Range(6, Kept).Reverse()));

        using (var gone = await Api.SendAsync(HttpMethod.Get, $"/api/rules/{id}/versions/5", tenant))
        {
            Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            var problem = System.Text.Json.Nodes.JsonNode.Parse(await gone.Content.ReadAsStringAsync())!;
            Assert.That((string?)problem["reason"], Is.EqualTo(RuleVersionRetention.NotKeptReason));
            Assert.That((int?)problem["version"], Is.EqualTo(5));
        }

        var restored = await Api.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/versions/6/restore", tenant);
        Assert.That((int)restored["version"]!, Is.EqualTo(Kept + 6));
        Assert.That((string)restored["name"]!, Is.EqualTo("Kept 6"));
        Assert.That(await StoredAsync(store, tenant, Keys.RuleVersionPrefix(id)), Is.EqualTo(Enumerable.Range(7, Kept)));
    }

    private static async Task<List<int>> StoredAsync(IStore store, string tenant, string prefix)
    {
        var numbers = new List<int>();
        string? cursor = null;
        do
        {
            var page = await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), prefix) { Limit = 500, StartAfter = cursor }, default);
            numbers.AddRange(page.Items.Select(i => int.Parse(i.Sk[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture)));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return [.. numbers.Order()];
    }
}
