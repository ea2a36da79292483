using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// An uninstall cut off after its mark and before its deletes (the process killed, the store refusing a delete after
/// its 30 s lock wait: answered 503, and Forge does not retry a preUninstall) left the tenant's data key, secrets and
/// rule definitions, and its directory entry, for good: nothing ever resumed it. The embedded store's retention now
/// finishes it at start and at every purge. The cut-off state is the one the uninstall itself writes first, made by
/// the app's own <see cref="UninstalledInstallations"/>; the purge runs every 10 s here.
/// </summary>
public sealed class UninstallResumeTests : BackendFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Retention:PurgeInterval"] = "00:00:10" };

    [Test]
    public async Task An_uninstall_cut_off_after_its_mark_is_finished_by_the_next_purge()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant, secret: Samples.Canary("secret"));
        await CreateRuleAsync(tenant, Samples.Rule(connection));
        var store = Backend.Services.GetRequiredService<IStore>();
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, default), Is.Not.Null, "control: the tenant has a data key");

        // What an uninstall writes before its first delete; then it was cut off.
        await Backend.Services.GetRequiredService<UninstalledInstallations>().MarkAsync(new TenantId(tenant), default);

        var left = await Waits.UntilAsync(() => TenantRowsAsync(tenant), rows => rows.Count == 0, TimeSpan.FromSeconds(60));
        Assert.Multiple(async () =>
        {
            Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, default), Is.Null, "the tenant's wrapped data key is gone (crypto-shredding)");
            Assert.That(left, Is.Empty, "nothing of the uninstalled tenant is left, its directory entry included");
        });
    }

    private async Task<List<string>> TenantRowsAsync(string tenant)
        => [.. (await Backend.DumpStoreAsync()).Where(line => line.Contains(Keys.Tenant(tenant), StringComparison.Ordinal))];
}
