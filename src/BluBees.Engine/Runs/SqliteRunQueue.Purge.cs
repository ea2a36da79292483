using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Runs;

public sealed partial class SqliteRunQueue : ITenantQueuePurge
{
    /// <summary>
    /// Deletes the tenant's messages at uninstall, running ones included: their ciphertext is unreadable once the data
    /// key is shredded, and a run still in flight finds its row gone when it completes, so it writes nothing back
    /// (<see cref="CompleteAsync(ClaimedMessage, IReadOnlyList{RunRecord}, IReadOnlyList{Trace.RuleTraceEntry}, CancellationToken)"/>).
    /// The connections run with <c>secure_delete</c>; the store's residue eraser clears the WAL afterwards.
    /// </summary>
    public async Task<int> PurgeTenantAsync(TenantId tenantId, CancellationToken ct)
    {
        var deleted = await _writer.RunAsync(w =>
        {
            var command = w.Command("DELETE FROM run_queue WHERE tenant = $tenant;");
            command.Parameters.AddWithValue("$tenant", tenantId.Value);
            return command.ExecuteNonQuery();
        }, ct);
        Wake();
        return deleted;
    }
}
