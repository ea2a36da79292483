using BluBees.Api.Tests.Harness;
using BluBees.Api.Webhooks;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// What a delivery reads does not grow with what the tenant stores: the rules a hook runs are found through the event
/// path's read (the rule-list stamp, then the heads cached under it), not by querying and parsing every rule head per
/// delivery (which cost a query of up to the rule limit on every webhook call).
/// </summary>
public sealed class WebhookReadCostTests : WebhookKit
{
    [Test]
    public async Task Deliveries_after_the_first_query_no_rule_heads()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "cost");
        for (var i = 0; i < 3; i++)
        {
            await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new System.Text.Json.Nodes.JsonObject { ["type"] = "manual" }, $"/other{i}"));
        }

        var s = Backend.Services;
        var store = new QueryTally(s.GetRequiredService<IStore>());
        var rules = ActivatorUtilities.CreateInstance<RuleService>(s, store);
        var hooks = ActivatorUtilities.CreateInstance<WebhookService>(s);
        var receiver = ActivatorUtilities.CreateInstance<WebhookReceiver>(s, hooks, rules);
        var context = new TenantContext(tenant, null, null);

        for (var i = 0; i < 3; i++)
        {
            var body = OrderBody($"C-{i}", "n");
            var ts = Now;
            var receipt = await receiver.ReceiveAsync(context, new ForwardedWebhook(hookId, Sign(secret, ts, body), ts, body), null, CancellationToken.None);
            Assert.That(receipt, Is.EqualTo(WebhookReceipt.Accepted));
        }

        // The first delivery may load the list (this process's cache may not hold it yet); the others reuse it.
        Assert.That(store.RuleHeadQueries, Is.LessThanOrEqualTo(1));
    }
}
