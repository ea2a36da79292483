using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A delivery to a hook without an enabled rule is acknowledged and queues nothing; its replay record stays for the
/// replay window. The sender's identical resend after a rule on the hook was enabled is that same delivery: answered
/// <c>200 duplicate</c>, and nothing runs (docs/api.md, "Incoming webhooks": a replay of a signed request is never
/// a new run, whatever changed meanwhile). A delivery the sender signs anew (a new timestamp) is a new one and runs.
/// </summary>
public sealed class WebhookNoRuleResendTests : WebhookKit
{
    [Test]
    public async Task The_identical_resend_after_a_rule_was_enabled_is_a_duplicate_and_a_new_delivery_runs()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var body = OrderBody("N-1", "before the rule");
        var ts = Now;
        var signature = Sign(secret, ts, body);

        using var first = await DeliverAsync(tenant, hookId, body, signature, ts);
        Assert.That((first.StatusCode, await StatusAsync(first)), Is.EqualTo((HttpStatusCode.Accepted, "accepted")), "acknowledged: no rule, nothing queued");

        await HookRuleAsync(tenant, hookId, "later");
        Clock.Advance(TimeSpan.FromMinutes(1));
        using var resent = await DeliverAsync(tenant, hookId, body, signature, ts);
        Assert.That((resent.StatusCode, await StatusAsync(resent)), Is.EqualTo((HttpStatusCode.OK, "duplicate")), "the same signed request: not a new run");
        await SettleAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await RunsAsync(tenant), Is.Empty, "the resend ran nothing");
            Assert.That(ReceivedAt("/api/v2/later/"), Is.Empty);
        });

        using var signedAnew = await DeliverSignedAsync(tenant, hookId, secret, OrderBody("N-2", "after the rule"));
        Assert.That((signedAnew.StatusCode, await StatusAsync(signedAnew)), Is.EqualTo((HttpStatusCode.Accepted, "accepted")));
        var runs = await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 1);
        Assert.That(runs.Select(r => (string?)r!["status"]), Is.EqualTo(new[] { "succeeded" }));
        Assert.That(ReceivedAt("/api/v2/later/").Select(r => r.Path), Is.EqualTo(new[] { "/api/v2/later/N-2" }));
    }

    private static async Task<string?> StatusAsync(HttpResponseMessage response)
        => JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>();
}
