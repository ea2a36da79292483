namespace BluBees.Engine.Storage;

/// <summary>
/// The second count of a per-tenant limit (rules, connections, webhooks), made after a create's write: creates sent at
/// once all pass the count before their write, and an item past the limit is kept but never listed (the lists read at
/// most the limit), so never shown or used. The last of them to write sees every one written before it; each that sees
/// too many takes its own write back (all of them may: then a retry saves).
/// </summary>
internal static class TenantLimit
{
    /// <summary>Whether the tenant holds more than <paramref name="max"/> items under <paramref name="prefix"/>.</summary>
    public static async Task<bool> ExceededAsync(IStore store, TenantId tenantId, string prefix, int max)
        => (await store.ForTenant(tenantId).QueryAsync(new TenantQuery(prefix) { Limit = max + 1 }, CancellationToken.None)).Items.Count > max;
}
