using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Runs still queued for a tenant when its uninstall shreds the data key end as one outcome each, dropped with one
/// Information line (docs/architecture.md: "an uninstalled tenant's messages are dropped"), never an error: before, a
/// worker that read the key while the erase was between shredding the tenant's key share and deleting the key item
/// logged Error 3106 ("needs its key share, which is missing") for each message, and one that opened its message just
/// after the erase logged Error 3103 (<c>no_data_key</c>) and a warning, then retried a row the purge had deleted.
/// Real SQLite, worker, local key ring with its shares, a loopback third party.
/// </summary>
public sealed class UninstallRacingQueuedRunsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Messages_claimed_while_the_uninstall_shreds_the_key_are_dropped_without_an_error()
    {
        await using var sink = await SlowSink.StartAsync();
        var logs = new CapturedLogs();
        await using var kit = QueueKit.Create(configure: s => s.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        foreach (var key in new[] { "OPS-31", "OPS-32", "OPS-33" })
        {
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event(key), null, null, CancellationToken.None);
        }

        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(3), "control: three runs queued");

        // The uninstall as far as its erase has gone when the worker claims: marked, the tenant's key share shredded,
        // the key item not yet deleted (TenantService.EraseAsync's order).
        await kit.Services.GetRequiredService<UninstalledInstallations>().MarkAsync(tenant.Id, CancellationToken.None);
        await kit.Services.GetRequiredService<TenantKeyService>().ShredAsync(tenant.Id, CancellationToken.None);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0 || Problems(logs).Count > 0, Generous);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        await kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(Problems(logs), Is.Empty, "an uninstall that went as it should logs no error or warning");
            Assert.That(logs.Lines.Count(l => l.Contains("belongs to an uninstalled tenant; dropped", StringComparison.Ordinal)), Is.EqualTo(3), "one outcome per accepted event: dropped");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk", ("$pk", Keys.Tenant(tenant.TenantId))), Is.Zero, "no record names the tenant");
            Assert.That(sink.Hits, Is.Empty, "nothing ran");
        });
    }

    [Test]
    public async Task A_message_opened_just_after_the_uninstall_erased_the_key_is_dropped_without_an_error()
    {
        await using var sink = await SlowSink.StartAsync();
        var logs = new CapturedLogs();
        var gated = new GatedKeyProvider();
        await using var kit = QueueKit.Create(configure: s =>
        {
            s.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
            s.AddSingleton<IKeyEncryptionProvider>(sp =>
            {
                gated.Inner = new LocalKeyEncryptionProvider(sp.GetRequiredService<LocalKeyRing>());
                return gated;
            });
        });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-34"), null, null, CancellationToken.None);
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(1), "control: one run queued");

        // The worker's "tenant gone?" check unwraps the key (a KMS round trip); the whole uninstall happens meanwhile,
        // so the check says "installed" and the message is opened after the key item is gone.
        kit.Services.GetRequiredService<TenantKeyService>().Evict(tenant.Id);
        gated.Arm();
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await gated.Entered.WaitAsync(Generous);
            await kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None);
            gated.Release();
            await Waits.UntilAsync(() => Task.FromResult(logs.Lines.Count(l => l.Contains("belongs to an uninstalled tenant; dropped", StringComparison.Ordinal) || l.Contains("could not be opened", StringComparison.Ordinal))), n => n > 0, Generous);
        }
        finally
        {
            gated.Release();
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(Problems(logs), Is.Empty, "an uninstall that went as it should logs no error or warning");
            Assert.That(logs.Lines.Count(l => l.Contains("belongs to an uninstalled tenant; dropped", StringComparison.Ordinal)), Is.EqualTo(1), "one outcome: dropped");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk", ("$pk", Keys.Tenant(tenant.TenantId))), Is.Zero, "no record names the tenant");
            Assert.That(sink.Hits, Is.Empty, "nothing ran");
        });
    }

    private static List<string> Problems(CapturedLogs logs)
        => [.. logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Warning ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal))];

    /// <summary>The local key ring's provider, whose next data-key unwrap waits until released once armed (a KMS round trip).</summary>
    private sealed class GatedKeyProvider : IKeyEncryptionProvider
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _armed;

        public IKeyEncryptionProvider Inner { get; set; } = null!;
        public Task Entered => _entered.Task;
        public string CurrentKeyId => Inner.CurrentKeyId;

        public void Arm() => _armed = true;

        public void Release() => _release.TrySetResult();

        public Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct) => Inner.GenerateDataKeyAsync(tenantId, ct);

        public async Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
        {
            var key = await Inner.DecryptDataKeyAsync(tenantId, wrapped, ct);
            if (_armed)
            {
                _armed = false;
                _entered.TrySetResult();
                await _release.Task;
            }

            return key;
        }

        public Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => Inner.ReWrapAsync(tenantId, wrapped, ct);

        public Task ForgetTenantAsync(TenantId tenantId, CancellationToken ct) => Inner.ForgetTenantAsync(tenantId, ct);

        public Task<SecretShare?> CreateSecretShareAsync(TenantId tenantId, CancellationToken ct) => Inner.CreateSecretShareAsync(tenantId, ct);

        public ValueTask<byte[]?> FindSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => Inner.FindSecretShareAsync(tenantId, shareId, ct);

        public Task DeleteSecretShareAsync(TenantId tenantId, string shareId, CancellationToken ct) => Inner.DeleteSecretShareAsync(tenantId, shareId, ct);

        public Task<IReadOnlyList<(string Id, DateTimeOffset WrittenAt)>> ListSecretSharesAsync(TenantId tenantId, CancellationToken ct) => Inner.ListSecretSharesAsync(tenantId, ct);
    }
}
