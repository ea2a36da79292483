using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A drain deadline can fall while a claimed message is still being opened, before any of its rules started: here
/// the unwrap of the tenant's data key (a KMS round trip in production) is what is still waiting. Nothing ran, so
/// there is no record to write, but the message must go back to the queue at once, as a message cut off mid-rule does:
/// another instance sharing the store would otherwise wait out the whole lease.
/// </summary>
public sealed class DrainBeforeRulesTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_drain_that_falls_before_any_rule_started_gives_the_message_back_at_once()
    {
        await using var sink = await SlowSink.StartAsync();
        var unwrap = new HeldUnwrap();
        await using var kit = QueueKit.Create(
            new Dictionary<string, string?> { ["Runs:DrainSeconds"] = "5" },
            services =>
            {
                var local = services.Last(d => d.ServiceType == typeof(IKeyEncryptionProvider));
                services.AddSingleton<IKeyEncryptionProvider>(sp => unwrap.Over((IKeyEncryptionProvider)local.ImplementationFactory!(sp)));
            });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-31"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));

        // The data key falls out of its cache; its next unwrap waits until cancelled.
        kit.Clock.Advance(TimeSpan.FromMinutes(6));
        unwrap.Hold = true;
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        await Waits.UntilAsync(() => Task.FromResult(unwrap.Waiting), n => n > 0, Generous);

        var stopping = worker.StopAsync(CancellationToken.None);
        await Waits.UntilAsync(() => { kit.Clock.Advance(TimeSpan.FromSeconds(1)); return Task.FromResult(stopping.IsCompleted); }, done => done, Generous);
        await stopping;

        Assert.Multiple(async () =>
        {
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NULL"), Is.EqualTo(1),
                "the message is queued again with its lease given back, not held until the lease runs out");
            Assert.That(await kit.RunsOfAsync(tenant.TenantId), Is.Empty, "no rule started: nothing to record yet");
            Assert.That(sink.Count("OPS-31"), Is.Zero);
        });

        // The next worker runs it once.
        unwrap.Hold = false;
        await kit.RunQueueUntilEmptyAsync();
        Assert.Multiple(async () =>
        {
            Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => r.Status), Is.EqualTo(new[] { Engine.Execution.RunStatus.Succeeded }));
            Assert.That(sink.Count("OPS-31"), Is.EqualTo(1));
        });
    }

    /// <summary>The local key provider, whose data-key unwrap waits (until cancelled) while <see cref="Hold"/> is set.</summary>
    private sealed class HeldUnwrap
    {
        private int _waiting;

        public volatile bool Hold;

        public int Waiting => Volatile.Read(ref _waiting);

        public IKeyEncryptionProvider Over(IKeyEncryptionProvider inner) => new Provider(inner, this);

        private sealed class Provider(IKeyEncryptionProvider inner, HeldUnwrap owner) : IKeyEncryptionProvider
        {
            public string CurrentKeyId => inner.CurrentKeyId;

            public Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct) => inner.GenerateDataKeyAsync(tenantId, ct);

            public async Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
            {
                if (owner.Hold)
                {
                    Interlocked.Increment(ref owner._waiting);
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return await inner.DecryptDataKeyAsync(tenantId, wrapped, ct);
            }

            public Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => inner.ReWrapAsync(tenantId, wrapped, ct);
        }
    }
}
