using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// <c>GET /api/rules/{id}/versions</c> lists number, time and author: it reads each version's small listing line
/// (<c>RULEVI#</c>), not the definitions (<c>RULEV#</c>, up to 64 KiB each), pages with <c>limit</c> and <c>cursor</c>,
/// still lists versions saved before listing lines existed, and a rule's delete removes the lines with the versions.
/// </summary>
public sealed class VersionHistoryReadCostTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new QueryTally(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, sp.GetRequiredService<QueryTally>()));
    };

    private QueryTally Tally => Backend.Services.GetRequiredService<QueryTally>();

    private IStore Store => Backend.Services.GetRequiredService<IStore>();

    [Test]
    public async Task The_list_reads_no_definition_and_pages_through_every_version()
    {
        var (tenant, id) = await RuleWithVersionsAsync(5);

        var before = Tally.ItemsRead(Keys.RuleVersionsPrefix);
        var all = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant);
        Assert.That(Versions(all), Is.EqualTo(new[] { 5, 4, 3, 2, 1 }));
        Assert.That(all["nextCursor"], Is.Null);
        Assert.That(Tally.ItemsRead(Keys.RuleVersionsPrefix) - before, Is.Zero, "no definition was read to list the versions");

        var seen = new List<int>();
        string? cursor = null;
        do
        {
            var page = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions?limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor), tenant);
            Assert.That(page["items"]!.AsArray(), Has.Count.LessThanOrEqualTo(2));
            seen.AddRange(Versions(page));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null && seen.Count < 10);

        Assert.That(seen, Is.EqualTo(new[] { 5, 4, 3, 2, 1 }));
        Assert.That(Tally.ItemsRead(Keys.RuleVersionsPrefix) - before, Is.Zero);
    }

    [Test]
    public async Task Versions_saved_before_listing_lines_existed_are_still_listed_and_get_their_lines()
    {
        var (tenant, id) = await RuleWithVersionsAsync(3);
        var partition = Store.ForTenant(new TenantId(tenant));
        // As an older build stored them (or a backup restored them): versions 1 and 2 without their lines.
        await partition.DeleteAsync(Keys.RuleVersionInfo(id, 1), default);
        await partition.DeleteAsync(Keys.RuleVersionInfo(id, 2), default);

        var before = Tally.ItemsRead(Keys.RuleVersionsPrefix);
        var all = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant);
        Assert.That(Versions(all), Is.EqualTo(new[] { 3, 2, 1 }));
        Assert.That(all["items"]!.AsArray().Select(v => v!["createdBy"]!.GetValue<string>()), Is.All.EqualTo("557058:admin"));
        Assert.That(Tally.ItemsRead(Keys.RuleVersionsPrefix) - before, Is.EqualTo(2), "only the two versions without a line were read");

        // Their lines were written then: the next listing reads no definition.
        var again = Tally.ItemsRead(Keys.RuleVersionsPrefix);
        Assert.That(Versions(await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant)), Is.EqualTo(new[] { 3, 2, 1 }));
        Assert.That(Tally.ItemsRead(Keys.RuleVersionsPrefix) - again, Is.Zero);
    }

    [Test]
    public async Task A_bad_limit_or_cursor_is_a_400_naming_it()
    {
        var (tenant, id) = await RuleWithVersionsAsync(1);
        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"), ("cursor=0", "cursor"), ("cursor=-3", "cursor"), ("cursor=abc", "cursor") })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{id}/versions?{query}", tenant);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), query);
            Assert.That((await ProblemAsync(response))["errors"]!.AsObject().Select(e => e.Key), Does.Contain(field), query);
        }
    }

    [Test]
    public async Task Deleting_the_rule_deletes_every_listing_line()
    {
        var (tenant, id) = await RuleWithVersionsAsync(3);
        var partition = Store.ForTenant(new TenantId(tenant));
        Assert.That((await partition.QueryAsync(new TenantQuery(Keys.RuleVersionInfoPrefix(id)), default)).Items, Has.Count.EqualTo(3));

        using (var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{id}", tenant))
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        Assert.That((await partition.QueryAsync(new TenantQuery(Keys.RuleVersionInfoPrefix(id)), default)).Items, Is.Empty);
        Assert.That((await partition.QueryAsync(new TenantQuery(Keys.RuleVersionPrefix(id)), default)).Items, Is.Empty);
    }

    private async Task<(string Tenant, string Id)> RuleWithVersionsAsync(int count)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "History")))["id"]!.GetValue<string>();
        for (var i = 1; i < count; i++)
        {
            using var update = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, "History"));
            Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        return (tenant, id);
    }

    private static int[] Versions(JsonNode page) => [.. page["items"]!.AsArray().Select(v => v!["version"]!.GetValue<int>())];
}
