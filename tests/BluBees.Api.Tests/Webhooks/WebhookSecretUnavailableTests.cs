using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A hook whose stored secret does not open (its share missing: <c>tenant-keys/</c> not restored with the database,
/// a share deleted by hand) cannot verify a delivery. That is the backend's fault, not the sender's: the delivery is
/// answered 503 with Retry-After and a ProblemDetails, nothing is kept, and the sender retries once the share is back.
/// Before, the <see cref="System.Security.Cryptography.CryptographicException"/> reached the error handler: a 500.
/// </summary>
public sealed class WebhookSecretUnavailableTests : WebhookKit
{
    [Test]
    public async Task A_delivery_to_a_hook_whose_secret_does_not_open_is_a_503_with_retry_after_and_nothing_is_kept()
    {
        var tenant = Samples.NewTenant();
        var tenantId = new TenantId(tenant);
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "unopenable");
        var provider = Backend.Services.GetRequiredService<IKeyEncryptionProvider>();
        var shares = await provider.ListSecretSharesAsync(tenantId, CancellationToken.None);
        Assert.That(shares, Is.Not.Empty, "control: the hook's secret has a share");
        foreach (var (id, _) in shares)
        {
            await provider.DeleteSecretShareAsync(tenantId, id, CancellationToken.None);
        }

        var body = OrderBody("U-1", "unopenable");
        using var response = await DeliverSignedAsync(tenant, hookId, secret, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
            Assert.That(response.Headers.RetryAfter, Is.Not.Null, "the sender is told when to retry");
            Assert.That(JsonNode.Parse(text)!["status"]!.GetValue<int>(), Is.EqualTo(503), "a ProblemDetails (sent as application/json, as every error: ProblemResults)");
            Assert.That(JsonNode.Parse(text)!["detail"]!.GetValue<string>(), Does.Contain("secret cannot be opened"));
            Assert.That(text, Does.Not.Contain(secret).And.Not.Contain("U-1"), "neither the secret nor the body in the answer");
        });

        Assert.That(await RunsAsync(tenant), Is.Empty, "a delivery that could not be verified runs nothing and leaves no record");
    }
}
