using System.Collections.Concurrent;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Connections;

/// <summary>
/// The connections steps read, parsed, each beside the stored text it was parsed from (issue 14: every HTTP step
/// deserialised its connection again, about 1 % of the engine's CPU at 2,000 events/s). A step still reads the item
/// every time, so an edit or a delete is seen by the next step at once; only the parse is skipped, when the stored text
/// is the same (ordinal comparison). Holds nothing that is not in the store already: the connection carries its secret
/// as ciphertext. Bounded (<see cref="Capacity"/> entries, then it starts over) and dropped per tenant at its uninstall
/// (<see cref="ITenantMemory"/>), as the other per-tenant caches are.
/// </summary>
public sealed class ConnectionReadCache : Tenancy.ITenantMemory
{
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<(string Tenant, string Id), Entry> _entries = new();

    /// <summary>The connection parsed from exactly <paramref name="data"/>, or null.</summary>
    public Connection? Find(TenantId tenantId, string id, string data)
        => _entries.TryGetValue((tenantId.Value, id), out var entry) && string.Equals(entry.Data, data, StringComparison.Ordinal)
            ? entry.Connection
            : null;

    public void Keep(TenantId tenantId, string id, string data, Connection connection)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[(tenantId.Value, id)] = new Entry(data, connection);
    }

    public void ForgetTenant(TenantId tenantId)
    {
        foreach (var key in _entries.Keys)
        {
            if (string.Equals(key.Tenant, tenantId.Value, StringComparison.Ordinal))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Entries held (for tests).</summary>
    internal int Count => _entries.Count;

    private sealed record Entry(string Data, Connection Connection);
}
