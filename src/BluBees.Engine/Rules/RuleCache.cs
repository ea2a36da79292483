using System.Collections.Concurrent;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace BluBees.Engine.Rules;

/// <summary>
/// Compiled rule versions, keyed by tenant + rule + version. A version never changes, so an entry never goes
/// stale; the cache is bounded by count and idle time. Beside them, each tenant's rule heads under the rule-list
/// stamp they were read with (<see cref="RuleListStamp"/>), so an event needs no list query when nothing changed.
/// </summary>
public sealed class RuleCache : IDisposable, Tenancy.ITenantDataCache
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 5000 });
    private readonly ConcurrentDictionary<TenantId, CachedRuleList> _lists = new();

    public CachedRuleList? GetList(TenantId tenantId) => _lists.TryGetValue(tenantId, out var list) ? list : null;

    public void SetList(TenantId tenantId, CachedRuleList list)
    {
        if (_lists.Count >= 5000)
        {
            _lists.Clear(); // bounded like the compiled rules; refilling costs one query per tenant
        }

        _lists[tenantId] = list;
    }

    /// <summary>Forgets a tenant's list in this process at once (its rules changed here).</summary>
    public void RemoveList(TenantId tenantId) => _lists.TryRemove(tenantId, out _);

    public CompiledRule? Get(TenantId tenantId, string ruleId, int version)
        => _cache.TryGetValue(Key(tenantId, ruleId, version), out CompiledRule? rule) ? rule : null;

    public void Set(TenantId tenantId, CompiledRule rule)
        => _cache.Set(Key(tenantId, rule.Id, rule.Version), rule, Entry);

    /// <summary>
    /// Whether the version is known not to compile in this process (<see cref="SetNotCompilable"/>). A version never
    /// changes and this build's compiler neither, so the answer holds as long as the entry: an event that reaches
    /// such a rule costs no store read and no compile.
    /// </summary>
    public bool IsNotCompilable(TenantId tenantId, string ruleId, int version)
        => _cache.TryGetValue(Key(tenantId, ruleId, version), out var entry) && entry is NotCompilable;

    /// <summary>Records that the version does not compile here (bounded and expiring like the compiled ones).</summary>
    public void SetNotCompilable(TenantId tenantId, string ruleId, int version)
        => _cache.Set(Key(tenantId, ruleId, version), NotCompilable.Instance, Entry);

    private static MemoryCacheEntryOptions Entry => new() { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) };

    /// <summary>
    /// Forgets a deleted rule's compiled versions (1 to <paramref name="newestVersion"/>) in this process at once: each holds
    /// its definition, which must not outlive the delete in memory (another instance's copies expire idle, and are
    /// never run: its rule list follows the list's stamp).
    /// </summary>
    public void RemoveRule(TenantId tenantId, string ruleId, int newestVersion)
    {
        for (var version = 1; version <= newestVersion; version++)
        {
            _cache.Remove(Key(tenantId, ruleId, version));
        }
    }

    public int Count => _cache.Count;

    /// <summary>Drops every entry (uninstall of any tenant clears the whole cache; it is cheap to refill).</summary>
    public void Clear()
    {
        _cache.Clear();
        _lists.Clear();
    }

    internal static string Key(TenantId tenantId, string ruleId, int version) => $"{tenantId.Value}\n{ruleId}\n{version}";

    public void Dispose() => _cache.Dispose();

    /// <summary>The entry of a version that does not compile (never a <see cref="CompiledRule"/>, so <see cref="Get"/> misses it).</summary>
    private sealed class NotCompilable
    {
        public static readonly NotCompilable Instance = new();
    }
}
