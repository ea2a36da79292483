using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A JSON body that starts with a UTF-8 byte order mark (senders whose JSON writer emits one, e.g. .NET's
/// <c>Encoding.UTF8</c> or PowerShell) is still JSON to the rule: RFC 8259 §8.1 lets a parser ignore the mark. It
/// used to reach the rule as a string, so <c>webhook.body.order.id</c> was empty and the run "succeeded" without its data.
/// </summary>
public sealed class WebhookBomTests : WebhookKit
{
    [Test]
    public async Task A_signed_json_body_with_a_byte_order_mark_reaches_the_rule_as_json()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "bom");
        var body = "\uFEFF" + OrderBody("BOM-7", "with a mark");

        using var response = await DeliverSignedAsync(tenant, hookId, secret, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var received = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/bom/")), r => r.Count == 1);
        Assert.That(received.Single().Path, Is.EqualTo("/api/v2/bom/BOM-7"), "the signature covers the body with its mark; the rule reads the JSON");
        Assert.That(received.Single().Body, Does.Contain("\"note\":\"with a mark\""));
        await SettleAsync();
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1));
    }
}
