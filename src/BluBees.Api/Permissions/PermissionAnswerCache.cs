using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Caching.Memory;

namespace BluBees.Api.Permissions;

/// <summary>
/// Jira's recent answers, keyed by tenant + account + a SHA-256 of the user token + the question (ADMINISTER, or an issue
/// permission and the issue key). The token hash is part of the key so that an answer obtained with one user token is
/// never reused for a request carrying another (a revoked, foreign or mismatched token is asked about afresh); the token
/// itself is never kept. Bounded by count; expiry follows the injected clock. Failures are never cached. A tenant's
/// answers go at its uninstall (<see cref="ForgetTenant"/>).
/// </summary>
internal sealed class PermissionAnswerCache(TimeProvider time) : IDisposable, ITenantMemory
{
    public const int MaxEntries = 50_000;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public bool TryGet(PermissionQuestion question, out bool granted)
    {
        granted = false;
        if (_cache.TryGetValue(question.CacheKey, out Entry? entry) && entry is not null && entry.ExpiresAt > time.GetUtcNow())
        {
            granted = entry.Granted;
            return true;
        }

        return false;
    }

    public void Set(PermissionQuestion question, bool granted, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        _cache.Set(
            question.CacheKey,
            new Entry(granted, time.GetUtcNow() + lifetime),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
    }

    /// <summary>
    /// Drops every answer about the tenant's users at its uninstall (<see cref="TenantService"/>): they were served
    /// for up to <c>Jira:PermissionCacheSeconds</c> after it, to a reinstall under the same id too.
    /// </summary>
    public void ForgetTenant(TenantId tenantId) => TenantKeys.Remove(_cache, tenantId);

    public void Dispose() => _cache.Dispose();

    private sealed record Entry(bool Granted, DateTimeOffset ExpiresAt);
}

/// <summary>One question to Jira about one user: permission keys, and the issue they apply to (none: global).</summary>
internal sealed record PermissionQuestion(string TenantId, string AccountId, string UserToken, string Permissions, string? Issue)
{
    /// <summary>Never contains the token itself: only its SHA-256.</summary>
    public string CacheKey => string.Join('\n', TenantId, AccountId, TokenHash(UserToken), Permissions, Issue ?? string.Empty);

    internal static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Keeps the token out of any accidental ToString (logs, exceptions).</summary>
    public override string ToString() => $"PermissionQuestion {{ Permissions = {Permissions}, Issue = {Issue} }}";
}
