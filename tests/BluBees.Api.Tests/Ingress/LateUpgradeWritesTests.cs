using System.Collections.Concurrent;
using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A late upgraded event of an uninstalled installation is refused before it writes anything. The check after the
/// writes (which erases what a racing uninstall would miss) also ends with nothing of the tenant in the store, so
/// <see cref="AfterUninstallTests"/> could not tell the two apart: with the first check gone, the upgrade wrote the
/// tenant's META and directory entry again (readable to any reader and in any backup until the erase that follows),
/// and the answer and the final store were the same. This watches every write the event makes.
/// </summary>
public sealed class LateUpgradeWritesTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new WriteLog(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<TenantService>(sp, sp.GetRequiredService<WriteLog>()));
    };

    [Test]
    public async Task A_late_upgraded_event_after_the_uninstall_writes_nothing_of_the_tenant()
    {
        var tenant = Samples.NewTenant();
        await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var log = Backend.Services.GetRequiredService<WriteLog>();
        log.Clear();
        var upgraded = LifecycleTests.UpgradedBody(tenant);
        using (var late = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, upgraded))
        {
            Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        Assert.That(log.Writes.Where(w => w.Contains(tenant, StringComparison.Ordinal)), Is.Empty, "nothing of the uninstalled tenant is written, not even for a moment");

        // Control: the same event of an installed tenant goes through this store and writes its record.
        var installed = Samples.NewTenant();
        await Backend.JsonAsync(HttpMethod.Post, "/api/connections", installed, Samples.Connection(ThirdParty.Address, "s"), 201);
        using (var upgrade = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", installed, LifecycleTests.UpgradedBody(installed)))
        {
            Assert.That((int)upgrade.StatusCode, Is.InRange(200, 299));
        }

        Assert.That(log.Writes.Where(w => w.Contains(installed, StringComparison.Ordinal)), Is.Not.Empty, "control: the upgrade's writes are seen");
    }

    /// <summary>Records the keys (and data) of every write; passes everything through to the real store.</summary>
    public sealed class WriteLog(IStore inner) : IStore
    {
        private readonly ConcurrentQueue<string> _writes = new();

        public IReadOnlyCollection<string> Writes => _writes;

        public void Clear() => _writes.Clear();

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);
        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(Log(item), ct);
        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(Log(item), ct);
        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(Log(item), expectedRevision, ct);
        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);
        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);

        private StoreItem Log(StoreItem item)
        {
            _writes.Enqueue(item.Pk + " " + item.Sk + " " + item.Data);
            return item;
        }
    }
}
