using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// The per-tenant connection and webhook limits hold under concurrent creates: one short of the limit, creates sent at
/// once save at most one more (the others answer 409 naming the limit), so nothing goes past the lists, which read at
/// most the limit (an item past it was kept, its secret's ciphertext and all, but never listed or used). On the
/// DynamoDB store on dynalite, whose round trips leave the creates' count-then-write window open (the embedded store
/// answers too quickly to show it over loopback; Api.Tests › Admin › RuleLimitRaceTests is the rules' test).
/// </summary>
[TestFixture]
public sealed class TenantLimitRaceTests : DynamoBackendFixture
{
    [Test]
    public async Task Connections_created_at_once_one_short_of_the_limit_never_go_past_it()
    {
        var tenant = Samples.NewTenant();
        await FillAsync(tenant, "/api/connections", Samples.Connection(ThirdParty.Address, "s"), ConnectionService.MaxConnectionsPerTenant - 1);

        await LimitRace.CreateAtOnceAsync(Api, Issuer, tenant, "/api/connections", _ => Samples.Connection(ThirdParty.Address, "s"), $"at most {ConnectionService.MaxConnectionsPerTenant} connections");
        Assert.That(await CountAsync(tenant, Keys.ConnectionPrefix), Is.EqualTo(ConnectionService.MaxConnectionsPerTenant));
    }

    [Test]
    public async Task Webhooks_created_at_once_one_short_of_the_limit_never_go_past_it()
    {
        var tenant = Samples.NewTenant();
        await FillAsync(tenant, "/api/webhooks", new JsonObject { ["name"] = "first" }, WebhookService.MaxWebhooksPerTenant - 1);

        await LimitRace.CreateAtOnceAsync(Api, Issuer, tenant, "/api/webhooks", n => new JsonObject { ["name"] = $"at once {n}" }, $"at most {WebhookService.MaxWebhooksPerTenant} webhooks");
        Assert.That(await CountAsync(tenant, Keys.WebhookPrefix), Is.EqualTo(WebhookService.MaxWebhooksPerTenant));
    }

    /// <summary>
    /// One item created through the API, then copies of it under new ids and names written to the store (as many
    /// creates through the API would write them; it would take minutes on dynalite) up to <paramref name="count"/>.
    /// </summary>
    private async Task FillAsync(string tenant, string path, JsonObject body, int count)
    {
        var first = (await Api.JsonAsync(HttpMethod.Post, path, tenant, body, 201))["id"]!.GetValue<string>();
        var store = Api.Services.GetRequiredService<IStore>();
        var prefix = path.EndsWith("connections", StringComparison.Ordinal) ? Keys.ConnectionPrefix : Keys.WebhookPrefix;
        var item = (await store.GetAsync(Keys.Tenant(tenant), prefix + first, default))!;
        var copies = Enumerable.Range(1, count - 1).Select(n =>
        {
            var id = first[..^6] + n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            var record = JsonNode.Parse(item.Data)!.AsObject();
            record["id"] = id;
            record["name"] = $"copy {n}";
            return item with { Sk = prefix + id, Data = record.ToJsonString() };
        }).ToList();
        await store.PutManyAsync(copies, default);
        Assert.That(await CountAsync(tenant, prefix), Is.EqualTo(count));
    }

    private async Task<int> CountAsync(string tenant, string prefix)
    {
        var store = Api.Services.GetRequiredService<IStore>();
        var page = await store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), prefix) { Limit = 1000 }, default);
        return page.Items.Count;
    }
}
