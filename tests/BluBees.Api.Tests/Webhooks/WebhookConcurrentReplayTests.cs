using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// The same signed delivery sent several times at once (a sender's retries racing, or a replay raced against the
/// original): exactly one is accepted and runs once, the others are answered as the same delivery (2xx
/// <c>queued</c> or <c>duplicate</c>: the sender sees no failure for a delivery that was accepted), never a 500; also
/// to a hook no rule uses, whose replay record is its own.
/// </summary>
public sealed class WebhookConcurrentReplayTests : WebhookKit
{
    private const int Copies = 8;

    [TestCase(true)]
    [TestCase(false)]
    public async Task Identical_deliveries_sent_at_once_are_accepted_once(bool withRule)
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        if (withRule)
        {
            await HookRuleAsync(tenant, hookId, "race");
        }

        var body = OrderBody("C-1", "race");
        var ts = Now;
        var signature = Sign(secret, ts, body);
        var responses = await Task.WhenAll(Enumerable.Range(0, Copies).Select(_ => DeliverAsync(tenant, hookId, body, signature, ts)));
        var statuses = new List<string>();
        foreach (var response in responses)
        {
            var status = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>();
            statuses.Add($"{(int)response.StatusCode} {status}");
            response.Dispose();
        }

        Assert.That(statuses.Count(s => s == "202 accepted"), Is.EqualTo(1), string.Join(", ", statuses));
        Assert.That(statuses.Where(s => s != "202 accepted"), Is.All.AnyOf("202 queued", "200 duplicate"), string.Join(", ", statuses));
        if (withRule)
        {
            await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        }

        await SettleAsync();
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(withRule ? 1 : 0));
    }
}
