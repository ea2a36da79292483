using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// Claims on a run (one rule, one event) for consumers that may hold copies of one message at the same time (the SQS
/// worker: two invocations receive a message stored twice, or a message whose visibility timeout ended while the
/// first invocation still ran). A claim is one conditional write of an item that expires: the first consumer's write
/// wins, the others find it and do not run the rule; a claim whose holder crashed is taken over once it expired
/// (<see cref="IStore.PutIfAbsentAsync"/> treats an expired item as absent). It holds the run id only.
/// </summary>
public sealed partial class RunStore
{
    /// <summary>Claims the run for <paramref name="lease"/>; false when another consumer's claim on it is still live.</summary>
    public Task<bool> TryClaimAsync(TenantId tenantId, string runId, TimeSpan lease, CancellationToken ct)
    {
        var expires = time.GetUtcNow().Add(lease).ToUnixTimeSeconds();
        return store.ForTenant(tenantId).PutIfAbsentAsync(Keys.RunClaim(runId), StoredJson.Write(new RunClaim(runId)), expires, ct);
    }

    /// <summary>Ends a claim early (its run was cancelled: the next delivery may run the rule at once).</summary>
    public Task ReleaseClaimAsync(TenantId tenantId, string runId, CancellationToken ct)
        => store.ForTenant(tenantId).DeleteAsync(Keys.RunClaim(runId), ct);

    private sealed record RunClaim(string RunId);
}
