using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Runs.Trace;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// The "why didn't it run?" trace of each rule, beside its runs and with their retention. Bounded without reading:
/// each rule has a ring of <see cref="TraceSlots"/> items, and an entry overwrites the slot its message and rule
/// hash to. So a rule's trace never holds more than that many items, writing one is one unconditional put of a
/// small item (no read, no counter, no trimming job), a redelivered message rewrites its own slot instead of adding
/// a second entry, and the newest entry is always there; the price is that two recent events can share a slot (the
/// ring keeps about two thirds of the last 50 non-runs, more of the newest). Entries expire like run records: start
/// (never later than now) + <c>Runs:RetentionDays</c>.
/// </summary>
public sealed partial class RunStore
{
    public const int TraceSlots = 50;

    /// <summary>
    /// The items of trace entries, to be written with the message's run records (the durable queue puts them in
    /// the same transaction, so a non-run adds no commit of its own). Pure: no store access.
    /// </summary>
    public IReadOnlyList<StoreItem> TraceItems(TenantId tenantId, IReadOnlyList<RuleTraceEntry> entries)
    {
        if (entries.Count == 0)
        {
            return [];
        }

        var partition = store.ForTenant(tenantId);
        var now = time.GetUtcNow();
        var items = new List<StoreItem>(entries.Count);
        foreach (var entry in entries)
        {
            var expires = (entry.At < now ? entry.At : now).Add(Retention).ToUnixTimeSeconds();
            items.Add(partition.Item(Keys.RuleTrace(entry.RuleId, Slot(tenantId, entry)), StoredJson.Write(entry), expires));
        }

        return items;
    }

    /// <summary>
    /// Writes trace entries on their own (the SQS worker and the ingress, which have no transaction to join), together:
    /// one transaction on SQLite, concurrent puts on DynamoDB (a filtered event can reach hundreds of rules).
    /// </summary>
    public async Task WriteTraceAsync(TenantId tenantId, IReadOnlyList<RuleTraceEntry> entries, CancellationToken ct)
    {
        await store.ForTenant(tenantId).PutManyAsync(TraceItems(tenantId, entries), ct);
        await TakeBackTraceOfDeletedRulesAsync(tenantId, entries);
    }

    /// <summary>Up to this many rules are checked by point reads; more by one read of the rule list.</summary>
    private const int PointReadsUpTo = 8;

    /// <summary>
    /// After entries were written: those of rules deleted meanwhile are deleted again. Written first, checked second (as a
    /// rule save checks its connections): a writer that read a rule before its delete and wrote the entry after the
    /// delete's sweep of the trace (the delete removes the head first, the trace after) left the entry, the event's issue
    /// key in it, for the whole retention, of a rule that no longer exists. Each rule's head is read after the write:
    /// there, the delete's sweep comes later and removes the entry; gone, the entry is deleted here.
    /// </summary>
    public async Task TakeBackTraceOfDeletedRulesAsync(TenantId tenantId, IReadOnlyList<RuleTraceEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        // Not cancellable: the entries are written, and a caller gone must not leave them behind.
        var partition = store.ForTenant(tenantId);
        var existing = await ExistingRulesAsync(partition, [.. entries.Select(e => e.RuleId).Distinct(StringComparer.Ordinal)]);
        foreach (var entry in entries.Where(e => !existing.Contains(e.RuleId)))
        {
            await partition.DeleteAsync(Keys.RuleTrace(entry.RuleId, Slot(tenantId, entry)), CancellationToken.None);
        }
    }

    private static async Task<HashSet<string>> ExistingRulesAsync(TenantStore partition, IReadOnlyList<string> ruleIds)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        if (ruleIds.Count <= PointReadsUpTo)
        {
            foreach (var id in ruleIds)
            {
                if (await partition.GetAsync(Keys.Rule(id), CancellationToken.None) is not null)
                {
                    existing.Add(id);
                }
            }

            return existing;
        }

        var query = new TenantQuery(Keys.RulePrefix) { Limit = Validation.RuleLimits.MaxRulesPerTenant };
        while (true)
        {
            var page = await partition.QueryAsync(query, CancellationToken.None);
            foreach (var item in page.Items)
            {
                existing.Add(item.Sk[Keys.RulePrefix.Length..]);
            }

            if (page.NextCursor is not { } next)
            {
                return existing;
            }

            query = query with { StartAfter = next };
        }
    }

    /// <summary>A rule's trace, newest first (at most <see cref="TraceSlots"/> entries; expired ones are invisible).</summary>
    public async Task<IReadOnlyList<RuleTraceEntry>> ListTraceAsync(TenantId tenantId, string ruleId, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.RuleTracePrefix(ruleId)) { Limit = TraceSlots }, ct);
        // Tolerant: the admin's view of entries a later build may have written (a rollback), where a strict read answered 500.
        return [.. page.Items.Select(i => StoredJson.ReadTolerant<RuleTraceEntry>(i.Data)).OrderByDescending(e => e.At)];
    }

    /// <summary>Deletes a rule's trace (the rule was deleted). Returns how many entries there were.</summary>
    public static async Task<int> DeleteTraceAsync(IStore store, TenantId tenantId, string ruleId, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var page = await partition.QueryAsync(new TenantQuery(Keys.RuleTracePrefix(ruleId)) { Limit = TraceSlots * 2 }, ct);
        foreach (var item in page.Items)
        {
            await partition.DeleteAsync(item.Sk, ct);
        }

        return page.Items.Count;
    }

    /// <summary>The slot of an entry: a hash of the tenant, the message and the rule (a message-less entry hashes its time).</summary>
    private static int Slot(TenantId tenantId, RuleTraceEntry entry)
        => Slot(tenantId, entry.MessageId ?? entry.At.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), entry.RuleId);

    /// <summary>The slot of a message's entry for a rule (tests pick events whose entries do not share one).</summary>
    internal static int Slot(TenantId tenantId, string messageId, string ruleId)
    {
        var identity = tenantId.Value + "\n" + messageId + "\n" + ruleId;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(identity), hash);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % TraceSlots);
    }
}
