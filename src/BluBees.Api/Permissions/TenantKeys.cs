using BluBees.Engine.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace BluBees.Api.Permissions;

/// <summary>The entries of a cache whose string keys start with the tenant id and a line feed (the Jira user caches).</summary>
internal static class TenantKeys
{
    /// <summary>Removes the tenant's entries: one pass over the keys (an uninstall is rare; the caches are bounded).</summary>
    public static void Remove(MemoryCache cache, TenantId tenantId)
    {
        var prefix = tenantId.Value + "\n";
        foreach (var key in cache.Keys)
        {
            if (key is string text && text.StartsWith(prefix, StringComparison.Ordinal))
            {
                cache.Remove(key);
            }
        }
    }
}
