using BluBees.Engine.Storage;

namespace BluBees.Engine.Rules;

/// <summary>
/// Keeps a rule from being saved against a connection or webhook that is deleted at the same moment. Both sides
/// write first and read second: a delete marks the item (<see cref="Keys.Deleting"/>), then looks for rules using
/// it; a save writes the rule's head, then checks that every item it uses is still there and not marked. Whatever
/// the interleaving, at least one of them sees the other's write (every read here is strongly consistent), so a
/// rule never ends up pointing at a deleted item: the delete answers 409 with <c>usedBy</c>, or the save is undone
/// and answers 409. (Before, both could succeed, and the rule's runs failed with <c>connection_missing</c>.)
/// </summary>
public static class ReferenceGuard
{
    /// <summary>Marks <paramref name="sk"/> as being deleted, before the delete looks for rules that use it.</summary>
    public static Task MarkAsync(IStore store, TenantId tenantId, string sk, CancellationToken ct)
        => store.ForTenant(tenantId).PutAsync(Keys.Deleting(sk), "{}", ct);

    /// <summary>Removes the mark (the delete was refused, or is done).</summary>
    public static Task UnmarkAsync(IStore store, TenantId tenantId, string sk)
        => store.ForTenant(tenantId).DeleteAsync(Keys.Deleting(sk), CancellationToken.None);

    /// <summary>Whether <paramref name="sk"/> exists and is not being deleted (a save's check after its write).</summary>
    public static async Task<bool> UsableAsync(IStore store, TenantId tenantId, string sk, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        return await partition.GetAsync(sk, ct) is not null && await partition.GetAsync(Keys.Deleting(sk), ct) is null;
    }
}
