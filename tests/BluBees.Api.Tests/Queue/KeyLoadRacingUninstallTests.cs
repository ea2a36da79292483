using System.Text.Json;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A data-key load in flight when the tenant is uninstalled (a KMS unwrap takes tens of milliseconds) must not put
/// the shredded key back into the in-memory cache after the uninstall evicted it: for the cache's lifetime (5 min by
/// default) every copy of the tenant's ciphertext would still decrypt and the worker would treat the tenant as
/// installed. Found by an adversarial sweep; TenantKeyService caches a load only when no eviction of its tenant
/// happened since the load began.
/// </summary>
public sealed class KeyLoadRacingUninstallTests
{
    [Test]
    public async Task A_data_key_load_racing_an_uninstall_does_not_leave_the_shredded_key_usable()
    {
        var gated = new GatedProvider();
        await using var kit = QueueKit.Create(configure: services =>
        {
            services.AddSingleton(gated);
            services.AddSingleton<IKeyEncryptionProvider>(sp =>
            {
                gated.Inner = new LocalKeyEncryptionProvider(sp.GetRequiredService<LocalKeyRing>());
                return gated;
            });
        });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var connections = kit.Services.GetRequiredService<ConnectionService>();
        const string secret = "canary-cached-key-secret-77aa";
        var input = JsonSerializer.Deserialize<ConnectionInput>(Samples.Connection(new Uri("http://127.0.0.1:9/"), secret).ToJsonString(), JsonDefaults.Options)!;
        var created = (await connections.CreateAsync(tenant.Id, input, CancellationToken.None)).Value!;
        var copied = created.SecretCiphertext!; // a copy of the ciphertext (backup, a log of the table, a stolen row)

        var keys = kit.Services.GetRequiredService<TenantKeyService>();
        keys.Evict(tenant.Id); // the cache expired (or another process): the next use unwraps the stored key

        gated.Arm();
        var load = keys.GetExistingAsync(tenant.Id, CancellationToken.None); // e.g. the worker checking a claimed message
        await gated.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        await kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None);
        gated.Release();
        Assert.That(await load, Is.Not.Null, "control: the load had read the key before the uninstall");

        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk", ("$pk", Keys.Tenant(tenant.TenantId))), Is.Zero, "the partition, KEY included, is gone");
        Assert.That(await keys.GetExistingAsync(tenant.Id, CancellationToken.None), Is.Null,
            "after uninstall the tenant has no data key: the worker must drop its messages");
        var cipher = kit.Services.GetRequiredService<SecretCipher>();
        Assert.That(async () => await cipher.DecryptAsync(tenant.Id, ConnectionService.SecretRecordId(created.Id), copied, CancellationToken.None),
            Throws.Exception, "a copy of the tenant's ciphertext must not decrypt after uninstall (crypto-shredding)");
    }

    private sealed class GatedProvider : IKeyEncryptionProvider
    {
        private TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _armed;

        public IKeyEncryptionProvider Inner { get; set; } = null!;
        public Task Entered => _entered.Task;
        public string CurrentKeyId => Inner.CurrentKeyId;

        public void Arm()
        {
            _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _armed = true;
        }

        public void Release() => _release.TrySetResult();

        public Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct) => Inner.GenerateDataKeyAsync(tenantId, ct);

        public async Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
        {
            if (_armed)
            {
                _armed = false;
                _entered.TrySetResult();
                await _release.Task; // a KMS round trip
            }

            return await Inner.DecryptDataKeyAsync(tenantId, wrapped, ct);
        }

        public Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => Inner.ReWrapAsync(tenantId, wrapped, ct);
    }
}
