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
    private long _lastIdMs;

    public async Task<SupportAuditEntry> WriteAsync(TenantId tenantId, Func<string, DateTimeOffset, SupportAuditEntry> create, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var entry = create(Ids.NewRunId(NextIdTime(now)), now);
        await store.ForTenant(tenantId).PutAsync(SortKey(entry.Id), StoredJson.Write(entry), (now + retention).ToUnixTimeSeconds(), ct);
        return entry;
    }

    public async Task<(IReadOnlyList<SupportAuditEntry> Items, string? NextCursor)> ListAsync(TenantId tenantId, int limit, string? cursor, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(
            new TenantQuery(Keys.AuditPrefix) { Descending = true, Limit = limit, StartAfter = cursor is null ? null : SortKey(cursor) },
            ct);
        var next = page.NextCursor is { } sk ? sk[(sk.LastIndexOf('#') + 1)..] : null;
        return ([.. page.Items.Select(i => StoredJson.Read<SupportAuditEntry>(i.Data))], next);
    }

    private static string SortKey(string id) => Keys.Audit(id);

    private DateTimeOffset NextIdTime(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Volatile.Read(ref _lastIdMs);
            var next = Math.Max(ms, last + 1);
            if (Interlocked.CompareExchange(ref _lastIdMs, next, last) == last)
            {
                return DateTimeOffset.FromUnixTimeMilliseconds(next);
            }
        }
    }
}
