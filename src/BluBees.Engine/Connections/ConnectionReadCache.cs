using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Connections;

/// <summary>
/// The connections steps read, parsed, each beside the stored text it was parsed from (<see cref="ParsedTextCache{TKey, TValue}"/>;
/// issue 14: every HTTP step deserialised its connection again, about 1 % of the engine's CPU at 2,000 events/s). A
/// step still reads the item every time, so an edit or a delete is seen by the next step at once. Holds nothing that
/// is not in the store already: the connection carries its secret as ciphertext. Bounded (<see cref="Capacity"/>
/// entries) and dropped per tenant at its uninstall (<see cref="Tenancy.ITenantMemory"/>), as the other per-tenant
/// caches are.
/// </summary>
public sealed class ConnectionReadCache : Tenancy.ITenantMemory
{
    public const int Capacity = 1024;

    private readonly ParsedTextCache<(string Tenant, string Id), Connection> _parsed = new(Capacity);

    /// <summary>The connection parsed from exactly <paramref name="data"/>, or null.</summary>
    public Connection? Find(TenantId tenantId, string id, string data)
        => _parsed.TryGet((tenantId.Value, id), data, out var connection) ? connection : null;

    public void Keep(TenantId tenantId, string id, string data, Connection connection)
        => _parsed.Keep((tenantId.Value, id), data, connection);

    public void ForgetTenant(TenantId tenantId)
        => _parsed.RemoveWhere(key => string.Equals(key.Tenant, tenantId.Value, StringComparison.Ordinal));

    /// <summary>Entries held (for tests).</summary>
    internal int Count => _parsed.Count;
}
