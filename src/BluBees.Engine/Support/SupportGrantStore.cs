using System.Runtime.CompilerServices;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Support;

/// <summary>
/// Grants live in the tenant partition under time-ordered ids, so the newest come first and an active grant
/// (at most <see cref="SupportGrant.MaxHours"/> old) is found in a bounded time window, paged through in full. A grant is kept until its
/// expiry plus the audit retention, so every audit entry that names it can still be explained. A tenant holds at most
/// <see cref="MaxActive"/> active grants and creates at most <see cref="MaxPerWindow"/> in that window (revoked and
/// expired ones included), so every lookup of an active grant reads at most that many grants (one query page).
/// </summary>
public sealed class SupportGrantStore(IStore store, TimeProvider time, TimeSpan retention)
{
    /// <summary>Active (unrevoked, unexpired) grants a tenant may hold at once.</summary>
    public const int MaxActive = 10;

    /// <summary>Grants a tenant may create within <see cref="SupportGrant.MaxHours"/> (what every lookup reads).</summary>
    public const int MaxPerWindow = 100;

    private const int PageSize = 100;
    private readonly OrderedRunIds _ids = new();

    /// <summary>
    /// A new grant, or the limit it would pass (nothing written). Counted before the write and again after it: creates
    /// sent at once all pass the first count; each that sees too many after its write takes its own grant back (all of
    /// them may: then a retry creates one).
    /// </summary>
    public async Task<GrantCreation> CreateAsync(TenantId tenantId, TimeSpan duration, string createdBy, string? reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await LimitPassedAsync(tenantId, now, adding: 1, ct) is { } refused)
        {
            return new GrantCreation(null, refused);
        }

        var grant = new SupportGrant(_ids.Next(now), now, now + duration, createdBy, reason);
        await store.ForTenant(tenantId).PutAsync(Item(tenantId, grant), ct);
        if (await LimitPassedAsync(tenantId, now, adding: 0, CancellationToken.None) is { } passed)
        {
            await store.ForTenant(tenantId).DeleteAsync(Keys.Grant(grant.Id), CancellationToken.None);
            return new GrantCreation(null, passed);
        }

        return new GrantCreation(grant, null);
    }

    /// <summary>Which limit the tenant's grants pass with <paramref name="adding"/> more, or null.</summary>
    private async Task<GrantLimit?> LimitPassedAsync(TenantId tenantId, DateTimeOffset now, int adding, CancellationToken ct)
    {
        var (active, recent) = (0, 0);
        await foreach (var grant in YoungEnoughAsync(tenantId, now, forAccess: false, ct))
        {
            recent++;
            active += grant.IsActiveAt(now) ? 1 : 0;
        }

        return active + adding > MaxActive ? GrantLimit.Active : recent + adding > MaxPerWindow ? GrantLimit.PerWindow : null;
    }

    /// <summary>The newest grants, active or not (expired grants disappear after the retention).</summary>
    public async Task<IReadOnlyList<SupportGrant>> ListAsync(TenantId tenantId, int limit, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.GrantPrefix) { Descending = true, Limit = limit }, ct);
        return [.. page.Items.Select(i => StoredJson.ReadTolerant<SupportGrant>(i.Data))];
    }

    /// <summary>
    /// An unrevoked grant whose expiry is in the future, or null. Only grants created within the longest grant's
    /// lifetime can still be active, so the query starts there and pages through that window, however many newer
    /// revoked or expired grants come first. Fails closed: unreadable means none, and a grant a later build wrote with a
    /// member this build does not know (a rollback; it may narrow the grant) grants nothing here (before, a 500).
    /// </summary>
    public async Task<SupportGrant?> FindActiveAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await foreach (var grant in YoungEnoughAsync(tenantId, now, forAccess: true, ct))
        {
            if (grant.IsActiveAt(now))
            {
                return grant;
            }
        }

        return null;
    }

    /// <summary>Every active grant, newest first (the admin's list shows them however many newer grants there are).</summary>
    public async Task<IReadOnlyList<SupportGrant>> ListActiveAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var active = new List<SupportGrant>();
        await foreach (var grant in YoungEnoughAsync(tenantId, now, forAccess: false, ct))
        {
            if (grant.IsActiveAt(now))
            {
                active.Add(grant);
            }
        }

        return active;
    }

    /// <summary>
    /// The grants that may still be active at <paramref name="now"/> (created within the longest lifetime), newest first,
    /// page by page. One a later build wrote (a member this build does not know: a rollback) is left out when
    /// <paramref name="forAccess"/> (it grants nothing here), and otherwise read tolerantly (the admin's list shows it,
    /// and the limits count it).
    /// </summary>
    private async IAsyncEnumerable<SupportGrant> YoungEnoughAsync(TenantId tenantId, DateTimeOffset now, bool forAccess, [EnumeratorCancellation] CancellationToken ct)
    {
        var oldestPossible = now - TimeSpan.FromHours(SupportGrant.MaxHours) - TimeSpan.FromMinutes(1);
        var query = new TenantQuery(Keys.GrantPrefix) { Descending = true, Limit = PageSize, SkFrom = Keys.GrantPrefix + Ids.RunIdLowerBound(oldestPossible) };
        while (true)
        {
            var page = await store.ForTenant(tenantId).QueryAsync(query, ct);
            foreach (var item in page.Items)
            {
                if (!forAccess)
                {
                    yield return StoredJson.ReadTolerant<SupportGrant>(item.Data);
                }
                else if (ReadForAccess(item.Data) is { } grant)
                {
                    yield return grant;
                }
            }

            if (page.NextCursor is not { } next)
            {
                yield break;
            }

            query = query with { StartAfter = next };
        }
    }

    /// <summary>
    /// Whether the tenant ever granted access (within the retention): such tenants get denial audits. Newest first: the
    /// oldest grants are the expired ones DynamoDB's TTL has not deleted yet (up to two days of them), which an
    /// ascending read went through before it found a live one; the newest is live unless every grant is past retention.
    /// </summary>
    public async Task<bool> AnyAsync(TenantId tenantId, CancellationToken ct)
        => (await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.GrantPrefix) { Descending = true, Limit = 1 }, ct)).Items.Count > 0;

    /// <summary>Sets <c>revokedAt</c> (idempotent: a revoked grant keeps its first revocation). Null when unknown.</summary>
    public async Task<SupportGrant?> RevokeAsync(TenantId tenantId, string grantId, string? revokedBy, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(grantId))
        {
            return null;
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var item = await store.ForTenant(tenantId).GetAsync(Keys.Grant(grantId), ct);
            if (item is null)
            {
                return null;
            }

            // Tolerant: a grant a later build wrote (a rollback) can be revoked here (before, a 500).
            var grant = StoredJson.ReadTolerant<SupportGrant>(item.Data);
            if (grant.RevokedAt is not null)
            {
                return grant;
            }

            var revoked = grant with { RevokedAt = time.GetUtcNow(), RevokedBy = revokedBy };
            if (await store.ForTenant(tenantId).PutIfRevisionAsync(Item(tenantId, revoked), item.Revision, ct))
            {
                return revoked;
            }
        }

        throw new InvalidOperationException("The grant changed concurrently three times.");
    }

    private StoreItem Item(TenantId tenantId, SupportGrant grant)
        => store.ForTenant(tenantId).Item(Keys.Grant(grant.Id), StoredJson.Write(grant), (grant.ExpiresAt + retention).ToUnixTimeSeconds());

    /// <summary>A grant as the access check reads it: strictly; null for one this build cannot read (fails closed).</summary>
    private static SupportGrant? ReadForAccess(string data)
    {
        try
        {
            return StoredJson.Read<SupportGrant>(data);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
