using BluBees.Engine.Storage;

namespace BluBees.Engine.Rules;

/// <summary>
/// Keeps a rule from being saved against a connection or webhook that is deleted at the same moment. Both sides
/// write first and read second: a delete marks the item (<see cref="Keys.Deleting"/>), then looks for rules using
/// it; a save writes the rule's head, then checks that every item it uses is still there and not marked. Whatever
/// the interleaving, at least one of them sees the other's write (every read here is strongly consistent), so a
/// rule never ends up pointing at a deleted item: the delete answers 409 with <c>usedBy</c>, or the save is undone
/// and answers 409. (Before, both could succeed, and the rule's runs failed with <c>connection_missing</c>.)
/// <para>Each delete writes a mark of its own (the item's mark key plus an id of the delete), and takes only that one
/// back. With one mark per item, two deletes at once shared it: the first to end (refused, or its caller gone) removed
/// it while the other was still deleting, and a rule saved then passed its check and pointed at the deleted item. A mark
/// expires after <see cref="MarkLifetime"/> (far longer than a delete takes): one left by a process killed part way no
/// longer refuses every later save of a rule using the item, for good.</para>
/// </summary>
public static class ReferenceGuard
{
    /// <summary>How long a delete's mark counts; a delete takes seconds (its store calls are bounded well below this).</summary>
    public static readonly TimeSpan MarkLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Marks <paramref name="sk"/> as being deleted, before the delete looks for rules that use it. Returns the mark's
    /// key, for <see cref="UnmarkAsync"/>.
    /// </summary>
    public static async Task<string> MarkAsync(IStore store, TimeProvider time, TenantId tenantId, string sk, CancellationToken ct)
    {
        var mark = MarkPrefix(sk) + Guid.NewGuid().ToString("N");
        await store.ForTenant(tenantId).PutAsync(mark, "{}", (time.GetUtcNow() + MarkLifetime).ToUnixTimeSeconds(), ct);
        return mark;
    }

    /// <summary>Removes this delete's mark (the delete was refused, or is done); other deletes' marks stay.</summary>
    public static Task UnmarkAsync(IStore store, TenantId tenantId, string mark)
        => store.ForTenant(tenantId).DeleteAsync(mark, CancellationToken.None);

    /// <summary>Whether <paramref name="sk"/> exists and no delete of it is under way (a save's check after its write).</summary>
    public static async Task<bool> UsableAsync(IStore store, TenantId tenantId, string sk, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        if (await partition.GetAsync(sk, ct) is null)
        {
            return false;
        }

        // Live marks only (an expired one is hidden); a page may come back empty with a cursor when expired ones lead.
        var query = new TenantQuery(MarkPrefix(sk)) { Limit = 1 };
        while (true)
        {
            var page = await partition.QueryAsync(query, ct);
            if (page.Items.Count > 0)
            {
                return false;
            }

            if (page.NextCursor is not { } next)
            {
                return true;
            }

            query = query with { StartAfter = next };
        }
    }

    private static string MarkPrefix(string sk) => Keys.Deleting(sk) + "#";
}
