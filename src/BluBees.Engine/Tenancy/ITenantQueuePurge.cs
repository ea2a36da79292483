using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// A queue that can delete a tenant's messages at uninstall (the embedded queue; SQS cannot select messages by
/// tenant, and its messages are dropped when they arrive: their key is gone or is a later installation's).
/// </summary>
public interface ITenantQueuePurge
{
    /// <summary>Deletes every message of the tenant, waiting or running. Returns how many were deleted.</summary>
    Task<int> PurgeTenantAsync(TenantId tenantId, CancellationToken ct);
}
