using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Whether a tenant was installed recently enough that a 401/403 from Jira may only mean the app's permissions are not
/// usable yet: Forge can deliver <c>avi:forge:installed:app</c> and the first events before the installation's grants
/// take effect (shared/FORGE.md "Installed"; https://developer.atlassian.com/platform/forge/events-reference/life-cycle/).
/// Such answers are retried a few times with backoff instead of failing the step at once.
/// </summary>
internal sealed class JiraInstallGrace(IStore store, TimeProvider time, IOptions<JiraActionOptions> options)
{
    public async Task<bool> IsFreshAsync(TenantId tenantId, CancellationToken ct)
    {
        var window = TimeSpan.FromSeconds(options.Value.InstallGraceSeconds);
        if (window <= TimeSpan.Zero)
        {
            return false;
        }

        var item = await store.ForTenant(tenantId).GetAsync(Keys.TenantMeta, ct);
        if (item is null)
        {
            return false; // every event records its tenant before it is queued: no record, no known install time
        }

        var installedAt = StoredJson.ReadTolerant<TenantRecord>(item.Data).InstalledAt; // leniently: a record a later build wrote (after a rollback)
        return time.GetUtcNow() - installedAt <= window;
    }
}
