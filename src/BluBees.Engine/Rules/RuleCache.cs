using Microsoft.Extensions.Caching.Memory;

namespace BluBees.Engine.Rules;

/// <summary>
/// Compiled rule versions, keyed by tenant + rule + version. A version never changes, so an entry never goes
/// stale; the cache is bounded by count and idle time.
/// </summary>
public sealed class RuleCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 5000 });

    public CompiledRule? Get(string tenantId, string ruleId, int version)
        => _cache.TryGetValue(Key(tenantId, ruleId, version), out CompiledRule? rule) ? rule : null;

    public void Set(string tenantId, CompiledRule rule)
        => _cache.Set(Key(tenantId, rule.Id, rule.Version), rule, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });

    public int Count => _cache.Count;

    /// <summary>Drops every entry (uninstall of any tenant clears the whole cache; it is cheap to refill).</summary>
    public void Clear() => _cache.Clear();

    internal static string Key(string tenantId, string ruleId, int version) => $"{tenantId}\n{ruleId}\n{version}";

    public void Dispose() => _cache.Dispose();
}
