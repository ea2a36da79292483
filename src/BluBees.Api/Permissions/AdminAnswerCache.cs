using Microsoft.Extensions.Caching.Memory;

namespace BluBees.Api.Permissions;

/// <summary>
/// Jira's recent answers per tenant + account (both parts of the key: an account id is only meaningful inside its
/// site). Bounded by count; expiry follows the injected clock so tests can move time. Failures are never cached.
/// </summary>
public sealed class AdminAnswerCache(TimeProvider time) : IDisposable
{
    public const int MaxEntries = 10_000;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public bool TryGet(string tenantId, string accountId, out bool isAdmin)
    {
        isAdmin = false;
        if (_cache.TryGetValue(Key(tenantId, accountId), out Entry? entry) && entry is not null && entry.ExpiresAt > time.GetUtcNow())
        {
            isAdmin = entry.IsAdmin;
            return true;
        }

        return false;
    }

    public void Set(string tenantId, string accountId, bool isAdmin, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        _cache.Set(
            Key(tenantId, accountId),
            new Entry(isAdmin, time.GetUtcNow() + lifetime),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
    }

    public void Dispose() => _cache.Dispose();

    private static string Key(string tenantId, string accountId) => tenantId + "\n" + accountId;

    private sealed record Entry(bool IsAdmin, DateTimeOffset ExpiresAt);
}
