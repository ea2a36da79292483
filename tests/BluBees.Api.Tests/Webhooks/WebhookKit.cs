using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Scheduling;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>Helpers of the webhook tests: create hooks, sign like a third party, deliver like the Forge web trigger.</summary>
public abstract class WebhookKit : FakeClockFixture
{
    protected async Task<(string Id, string Secret)> CreateHookAsync(string tenant, string name = "Orders")
    {
        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name }, 201);
        return (created["id"]!.GetValue<string>(), created["secret"]!.GetValue<string>());
    }

    /// <summary>A rule on the hook whose step posts to <c>/orders/{order id}</c> with the note of the body.</summary>
    protected async Task<string> HookRuleAsync(string tenant, string hookId, string marker)
        => await CreateRuleAsync(tenant, Rule(
            await CreateConnectionAsync(tenant),
            new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId },
            $"/{marker}/{{{{ webhook.body.order.id | url_encode }}}}",
            new JsonObject { ["note"] = "{{ webhook.body.note }}", ["hook"] = "{{ webhook.id }}", ["source"] = "{{ event.source }}" }));

    protected string Now => Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>What a third party computes: hex HMAC-SHA256 of "{timestamp}.{body}" keyed with the secret.</summary>
    protected static string Sign(string secret, string timestamp, string body)
        => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>Posts to /forge/webhook as the Forge web-trigger function does (FIT of the tenant, no user).</summary>
    protected Task<HttpResponseMessage> DeliverAsync(string tenant, string hookId, string body, string? signature, JsonNode? timestamp)
        => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", ForgeToken(tenant, "/forge/webhook"), new JsonObject
        {
            ["hookId"] = hookId,
            ["signature"] = signature,
            ["timestamp"] = timestamp,
            ["contentType"] = "application/json",
            ["body"] = body,
        }, withUserToken: false);

    protected Task<HttpResponseMessage> DeliverSignedAsync(string tenant, string hookId, string secret, string body)
    {
        var ts = Now;
        return DeliverAsync(tenant, hookId, body, Sign(secret, ts, body), ts);
    }

    protected static string OrderBody(string orderId, string note)
        => new JsonObject { ["order"] = new JsonObject { ["id"] = orderId }, ["note"] = note }.ToJsonString();

    protected async Task<JsonArray> RunsAsync(string tenant) => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
}
