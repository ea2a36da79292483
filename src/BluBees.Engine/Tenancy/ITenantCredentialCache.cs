using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Credentials held in memory for a tenant's connections (e.g. the OAuth 2.0 access tokens of
/// <c>Connections.OAuth.OAuthTokenProvider</c>): dropped when the connection is deleted and when the tenant is
/// uninstalled, so no plaintext credential of deleted data stays in the process.
/// </summary>
public interface ITenantCredentialCache
{
    /// <summary>Drops what is held for one connection of the tenant.</summary>
    void Forget(TenantId tenantId, string connectionId);

    /// <summary>Drops what is held for every connection of the tenant.</summary>
    void ForgetTenant(TenantId tenantId);
}
