using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Connections.OAuth;

/// <summary>
/// The per-connection state of <see cref="OAuthTokenProvider"/> (cached access token, refresh in flight, a rotated
/// refresh token the store refused), keyed by tenant + connection. A connection's slot is dropped when the connection
/// is deleted (<see cref="ConnectionService.DeleteAsync"/>) and every slot of a tenant at its uninstall
/// (<see cref="TenantService"/>): before, they stayed for the life of the process, plaintext access tokens (and an
/// unsaved rotated refresh token) of deleted connections and uninstalled tenants included.
/// </summary>
internal sealed class OAuthTokenSlots : ITenantCredentialCache
{
    private readonly ConcurrentDictionary<(TenantId Tenant, string Connection), OAuthTokenProvider.Slot> _slots = new();

    /// <summary>Slots held now (for tests).</summary>
    internal int Count => _slots.Count;

    public OAuthTokenProvider.Slot For(TenantId tenantId, string connectionId)
        => _slots.GetOrAdd((tenantId, connectionId), static _ => new OAuthTokenProvider.Slot());

    public bool TryGet(TenantId tenantId, string connectionId, [MaybeNullWhen(false)] out OAuthTokenProvider.Slot slot)
        => _slots.TryGetValue((tenantId, connectionId), out slot);

    public void Forget(TenantId tenantId, string connectionId) => _slots.TryRemove((tenantId, connectionId), out _);

    /// <summary>Drops this slot of the connection, not one made since (<see cref="OAuthTokenProvider"/>: its connection is gone).</summary>
    public void Drop(TenantId tenantId, string connectionId, OAuthTokenProvider.Slot slot)
        => _slots.TryRemove(new KeyValuePair<(TenantId, string), OAuthTokenProvider.Slot>((tenantId, connectionId), slot));

    public void ForgetTenant(TenantId tenantId)
    {
        foreach (var key in _slots.Keys)
        {
            if (key.Tenant == tenantId)
            {
                _slots.TryRemove(key, out _);
            }
        }
    }
}
