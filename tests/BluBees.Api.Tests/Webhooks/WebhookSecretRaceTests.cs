using BluBees.Api.Webhooks;
using BluBees.Engine.Crypto;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Observability;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A delivery that read its hook just before the admin deleted it or rotated its secret, and opens the secret just
/// after: the secret it read is shredded with its own key share (docs/security.md, "Deleting or replacing a secret"),
/// so the open throws. Before, that exception escaped the receiver (a 500). Now the hook is read again: a deleted hook
/// is unknown (404), a rotated one verifies against its current secret (the old signature: 403), like a delivery
/// arriving just after.
/// </summary>
public sealed class WebhookSecretRaceTests : WebhookKit
{
    [TestCase(false, "Refused")]
    [TestCase(true, "UnknownHook")]
    public async Task A_delivery_racing_a_rotation_or_delete_is_refused_or_unknown_not_a_fault(bool delete, string expected)
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var admin = new WebhookService(Backend.Services.GetRequiredService<IStore>(), Backend.Services.GetRequiredService<SecretCipher>(), Clock);
        var racing = new RacingStore(Backend.Services.GetRequiredService<IStore>(), Keys.Webhook(hookId), async () =>
        {
            if (delete)
            {
                Assert.That(await admin.DeleteAsync(new TenantId(tenant), hookId, CancellationToken.None), Is.True);
            }
            else
            {
                Assert.That((await admin.RotateSecretAsync(new TenantId(tenant), hookId, CancellationToken.None)).Value, Is.Not.Null);
            }
        });
        var receiver = new WebhookReceiver(
            new WebhookService(racing, Backend.Services.GetRequiredService<SecretCipher>(), Clock),
            Backend.Services.GetRequiredService<RuleService>(), Backend.Services.GetRequiredService<EventIngestor>(),
            Backend.Services.GetRequiredService<BluBeesMetrics>(), Clock, NullLogger<WebhookReceiver>.Instance);
        var body = OrderBody("R-1", "n");
        var ts = Now;

        var receipt = await receiver.ReceiveAsync(new TenantContext(tenant, "cloud", null), new ForwardedWebhook(hookId, Sign(secret, ts, body), ts, body), null, CancellationToken.None);

        Assert.That(receipt.ToString(), Is.EqualTo(expected));
    }

    /// <summary>Runs <paramref name="race"/> once, after the first read of <paramref name="sk"/> returned (the item as it was).</summary>
    private sealed class RacingStore(IStore inner, string sk, Func<Task> race) : IStore
    {
        private int _raced;

        public async Task<StoreItem?> GetAsync(string pk, string sk2, CancellationToken ct)
        {
            var item = await inner.GetAsync(pk, sk2, ct);
            if (sk2 == sk && Interlocked.Exchange(ref _raced, 1) == 0)
            {
                await race();
            }

            return item;
        }

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);

        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

        public Task<bool> DeleteAsync(string pk, string sk2, CancellationToken ct) => inner.DeleteAsync(pk, sk2, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk2, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk2, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
