using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A connection's resilience pipeline (its breaker and rate-limit state, per tenant and connection) goes at its tenant's
/// uninstall, as the app composes it: before, it stayed until an hour without use, whatever happened to the tenant.
/// Another tenant's pipeline stays. Real SQLite, worker and a loopback third party; the cache is read through its
/// test accessor (a reinstall has new connection ids, so no behaviour would reach the old entry: it only stayed).
/// </summary>
public sealed class UninstallDropsPipelinesTests
{
    [Test]
    public async Task An_uninstall_drops_its_tenants_connection_pipelines_and_keeps_the_others()
    {
        await using var thirdParty = await ThirdPartyApi.StartAsync();
        await using var kit = QueueKit.Create();
        var (gone, stays) = (QueueKit.NewTenant(), QueueKit.NewTenant());
        foreach (var tenant in new[] { gone, stays })
        {
            await kit.RuleAsync(tenant, thirdParty.Address);
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-5"), null, null, CancellationToken.None);
        }

        await kit.RunQueueUntilEmptyAsync();
        var pipelines = kit.Services.GetRequiredService<ConnectionPipelines>();
        Assert.That(pipelines.Count, Is.EqualTo(2), "control: each tenant's run built its connection's pipeline");

        await kit.Services.GetRequiredService<TenantService>().UninstallAsync(gone.Id, CancellationToken.None);

        Assert.That(pipelines.Count, Is.EqualTo(1), "the uninstalled tenant's pipeline is dropped, the other tenant's kept");
    }
}
