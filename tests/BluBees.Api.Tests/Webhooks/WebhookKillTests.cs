using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Api.Webhooks;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A signed webhook delivery whose process is hard-killed inside the queue write (over the backend's real SQLite
/// store and queue: no catch, no release runs): the sender's retry of the same signed request must not be refused
/// as a replay; it is accepted, runs once and leaves one run record, and a further replay is refused.
/// </summary>
public sealed class WebhookKillTests : WebhookKit
{
    [Test]
    public async Task A_delivery_killed_before_its_hand_over_is_accepted_on_the_senders_retry_and_runs_once()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "killed");
        var body = OrderBody("K-1", "retried");
        var ts = Now;
        var signature = Sign(secret, ts, body);
        var queue = new DyingQueue((IDedupingRunQueue)Backend.Services.GetRequiredService<IRunQueue>());
        using var kill = new CancellationTokenSource();

        var killed = Receiver(queue).ReceiveAsync(new TenantContext(tenant, null, null), new ForwardedWebhook(hookId, signature, ts, body), null, kill.Token);
        await queue.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var retry = await DeliverAsync(tenant, hookId, body, signature, ts))
        {
            Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the killed delivery queued nothing: its retry is not a replay");
        }

        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        using (var replay = await DeliverAsync(tenant, hookId, body, signature, ts))
        {
            Assert.That(replay.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Accepted), "once queued, the same signed request is a duplicate: 2xx, not run again");
        }

        await SettleAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1), "exactly one run record");
            Assert.That(ReceivedAt("/api/v2/killed/K-1"), Has.Count.EqualTo(1));
        });

        await kill.CancelAsync();
        Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>());
    }

    /// <summary>A second receiver "process" over the backend's real store, with the given queue.</summary>
    private WebhookReceiver Receiver(IRunQueue queue)
    {
        var s = Backend.Services;
        var metrics = s.GetRequiredService<BluBees.Engine.Observability.BluBeesMetrics>();
        var ingress = new EventIngestor(s.GetRequiredService<IStore>(), queue, s.GetRequiredService<TenantService>(), s.GetRequiredService<RuleService>(), new IngressGate(),
            metrics, Clock, NullLogger<EventIngestor>.Instance, s.GetRequiredService<RunStore>());
        return new WebhookReceiver(ActivatorUtilities.CreateInstance<WebhookService>(s), s.GetRequiredService<RuleService>(), ingress, metrics, Clock, NullLogger<WebhookReceiver>.Instance);
    }
}
