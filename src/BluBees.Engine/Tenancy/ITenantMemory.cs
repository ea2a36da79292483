using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Per-tenant state an in-process cache holds (a Jira field list, Jira's permission answers, a connection's
/// resilience pipeline): dropped by <see cref="TenantService"/> whenever it erases a tenant (the uninstall, its
/// finish on the AWS worker, the erase again after a request or run that raced it, a resumed uninstall), so nothing
/// of an uninstalled tenant is served from memory, to a reinstall under the same id either. Every implementation is
/// registered as one of these (<c>TryAddEnumerable</c>); the caches sit above Tenancy and are known only through it.
/// </summary>
public interface ITenantMemory
{
    /// <summary>Drops everything held for the tenant (cheap: an uninstall is rare, a scan of the cache is fine).</summary>
    void ForgetTenant(TenantId tenantId);
}
