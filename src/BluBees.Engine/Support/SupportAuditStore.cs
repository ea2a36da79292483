using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Support;

/// <summary>
/// The support audit trail of a tenant, newest first. An entry's id is <c>&lt;ms13&gt;-&lt;random&gt;</c> and its
/// sort key <c>AUDIT#&lt;ms13&gt;#&lt;id&gt;</c>; the id doubles as the paging cursor. The id's milliseconds strictly
/// increase within a process (two reads in the same millisecond would otherwise list in the random order of their
/// suffixes); the entry's <c>at</c> stays the read's own time.
/// </summary>
public sealed class SupportAuditStore(IStore store, TimeProvider time, TimeSpan retention)
{
    /// <summary>
    /// Denials of one actor for one reason in a tenant are counted in one entry for this long after the first, so a
    /// flood of denied requests (a script, a stolen token) adds a handful of entries an hour, not one per request.
    /// </summary>
    public static readonly TimeSpan DenialWindow = TimeSpan.FromMinutes(10);

    private const int MaxAttempts = 64;
    private readonly OrderedRunIds _ids = new();

    public async Task<SupportAuditEntry> WriteAsync(TenantId tenantId, Func<string, DateTimeOffset, SupportAuditEntry> create, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var entry = create(NewId(now), now);
        await Put(tenantId, entry, ct);
        return entry;
    }

    /// <summary>
    /// Records a denial: a new entry (made by <paramref name="create"/>) when <paramref name="actor"/> has no open group
    /// for <paramref name="reason"/> here, else the group's entry counts one more and moves its <c>lastAt</c>. Null
    /// only when concurrent denials of the same group won every attempt; the group's entry then records the denial
    /// (its count is a lower bound).
    /// </summary>
    public async Task<SupportAuditEntry?> WriteDeniedAsync(
        TenantId tenantId, string actor, string reason, Func<string, DateTimeOffset, SupportAuditEntry> create, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var groupKey = Keys.SupportDenialGroup(Fingerprint(actor, reason));
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var now = time.GetUtcNow();
            var group = await partition.GetAsync(groupKey, ct);
            // Tolerant: a group a later build opened (a rollback) still names its entry and its end (before, a 500).
            if (group is not null && StoredJson.ReadTolerant<DenialGroup>(group.Data) is { } open && open.Until > now)
            {
                if (await CountAsync(tenantId, open.EntryId, now, create, ct) is { } counted)
                {
                    return counted;
                }

                continue;
            }

            // Open a group: claim it first (one winner among concurrent denials), then write its entry.
            var entry = create(NewId(now), now);
            var claim = new DenialGroup(entry.Id, now + DenialWindow);
            var claimItem = partition.Item(groupKey, StoredJson.Write(claim), claim.Until.ToUnixTimeSeconds() + 1);
            // Absent: a concurrent denial that found the claim before this write wrote the entry already; count on it then.
            if (await partition.PutIfRevisionAsync(claimItem, group?.Revision ?? 0, ct) && await partition.PutIfAbsentAsync(EntryItem(tenantId, entry), ct))
            {
                return entry;
            }
        }

        return null;
    }

    public async Task<(IReadOnlyList<SupportAuditEntry> Items, string? NextCursor)> ListAsync(TenantId tenantId, int limit, string? cursor, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(
            new TenantQuery(Keys.AuditPrefix) { Descending = true, Limit = limit, StartAfter = cursor is null ? null : SortKey(cursor) },
            ct);
        var next = page.NextCursor is { } sk ? sk[(sk.LastIndexOf('#') + 1)..] : null;
        // Tolerant: entries a later build wrote (a rollback) are listed, not a 500.
        return ([.. page.Items.Select(i => StoredJson.ReadTolerant<SupportAuditEntry>(i.Data))], next);
    }

    /// <summary>One more denial on the group's entry; null on a concurrent change (the caller tries again).</summary>
    private async Task<SupportAuditEntry?> CountAsync(
        TenantId tenantId, string entryId, DateTimeOffset now, Func<string, DateTimeOffset, SupportAuditEntry> create, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var item = await partition.GetAsync(SortKey(entryId), ct);
        if (item is null)
        {
            // The group was claimed but its entry not written (a crash in between, or the writer is still at it).
            var first = create(entryId, now);
            return await partition.PutIfAbsentAsync(EntryItem(tenantId, first), ct) ? first : null;
        }

        SupportAuditEntry current;
        try
        {
            current = StoredJson.Read<SupportAuditEntry>(item.Data);
        }
        catch (System.Text.Json.JsonException)
        {
            // An entry a later build wrote (a rollback; before, a 500): not rewritten, which would drop what this build
            // does not know of it; this denial gets an entry of its own.
            var own = create(NewId(now), now);
            return await partition.PutIfAbsentAsync(EntryItem(tenantId, own), ct) ? own : null;
        }

        var counted = current with { Count = current.Count + 1, LastAt = now };
        return await partition.PutIfRevisionAsync(EntryItem(tenantId, counted), item.Revision, ct) ? counted : null;
    }

    private Task Put(TenantId tenantId, SupportAuditEntry entry, CancellationToken ct) => store.ForTenant(tenantId).PutAsync(EntryItem(tenantId, entry), ct);

    private StoreItem EntryItem(TenantId tenantId, SupportAuditEntry entry)
        => store.ForTenant(tenantId).Item(SortKey(entry.Id), StoredJson.Write(entry), (entry.At + retention).ToUnixTimeSeconds());

    private static string SortKey(string id) => Keys.Audit(id);

    /// <summary>The group's key part: a hash of actor and reason, so the key holds neither.</summary>
    private static string Fingerprint(string actor, string reason)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reason + "\n" + actor)));

    private string NewId(DateTimeOffset now) => _ids.Next(now);

    /// <summary>The stored open group: the entry that counts its denials, and when the group closes.</summary>
    private sealed record DenialGroup(string EntryId, DateTimeOffset Until);
}
