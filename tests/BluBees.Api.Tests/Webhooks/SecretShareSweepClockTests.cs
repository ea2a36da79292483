using System.Net;
using System.Security.Cryptography;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// The sweep of secret shares no stored secret names (each retention round, and after a secret's delete or
/// replacement) spares those younger than <see cref="TenantKeyService.SecretShareGrace"/>: a secret's share is written
/// before the item that names it, so a young one may belong to a write in flight. A share's age was its file's time
/// (the machine's clock) against the backend's clock: with the two apart (a clock ahead, as this class's fake clock is
/// once a test moved it on), a share written a moment ago was taken for one left long ago, and a sweep running beside
/// the hook's create deleted the share of the secret being stored. The hook then answered every signed delivery 500
/// (its secret never opened again); a connection's secret the same way failed its runs. Found as the flaky
/// <c>WebhookDeliveryTests.A_signed_delivery_runs_the_rule_and_nothing_of_it_is_kept</c> (a 500; or a 202 and no call):
/// the replay tests before it move the clock 10 min twice, and the retention round each move starts swept beside it.
/// </summary>
public sealed class SecretShareSweepClockTests : WebhookKit
{
    [Test]
    public async Task A_share_written_a_moment_ago_outlives_a_sweep_on_a_clock_ahead_of_the_machines_and_goes_once_older_than_the_grace()
    {
        var tenant = Samples.NewTenant();
        var tenantId = new TenantId(tenant);
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "swept");
        var keys = Backend.Services.GetRequiredService<TenantKeyService>();
        var cipher = Backend.Services.GetRequiredService<SecretCipher>();
        Clock.Advance(TenantKeyService.SecretShareGrace + TimeSpan.FromMinutes(1)); // the backend's clock now runs ahead

        // A write in flight: its secret sealed (the share written), the item that will name it not stored yet.
        var inFlight = await cipher.SealSecretAsync(tenantId, "webhook/hook_inflight", "in-flight-secret", CancellationToken.None);
        Assert.That(await keys.SweepSecretSharesAsync(tenantId, CancellationToken.None), Is.Zero, "a share younger than the grace on the backend's clock may belong to a write in flight");
        Assert.That(await cipher.DecryptAsync(tenantId, "webhook/hook_inflight", inFlight, CancellationToken.None), Is.EqualTo("in-flight-secret"));

        // Never stored after all: once older than the grace on the backend's clock, a sweep deletes it (this one, or the
        // retention round the clock's move starts).
        Clock.Advance(TenantKeyService.SecretShareGrace + TimeSpan.FromMinutes(1));
        await keys.SweepSecretSharesAsync(tenantId, CancellationToken.None);
        Assert.That(async () => await cipher.DecryptAsync(tenantId, "webhook/hook_inflight", inFlight, CancellationToken.None), Throws.InstanceOf<CryptographicException>(),
            "the share of a write that never happened goes");

        // The hook's stored secret was named all along and still verifies: its delivery runs.
        using var response = await DeliverSignedAsync(tenant, hookId, secret, OrderBody("S-1", "swept"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var received = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/swept/")), r => r.Count == 1);
        Assert.That(received.Single().Path, Is.EqualTo("/api/v2/swept/S-1"));
    }
}
