namespace BluBees.Engine.Tenancy;

/// <summary>
/// An in-process cache of data read from tenants' partitions (e.g. <c>Rules.RuleCache</c>), cleared when a tenant is
/// uninstalled. The caches sit above Tenancy, so <see cref="TenantService"/> knows them only through this seam.
/// </summary>
public interface ITenantDataCache
{
    void Clear();
}
