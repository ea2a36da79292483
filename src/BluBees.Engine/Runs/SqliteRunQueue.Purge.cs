using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Runs;

public sealed partial class SqliteRunQueue : ITenantQueuePurge
{
    /// <summary>How many of the tenant's messages one write of a purge deletes at most.</summary>
    internal const int PurgeBatch = 500;

    /// <summary>
    /// Deletes the tenant's messages at uninstall, running ones included: their ciphertext is unreadable once the data
    /// key is shredded, and a run still in flight finds its row gone when it completes, so it writes nothing back
    /// (<see cref="CompleteAsync(ClaimedMessage, IReadOnlyList{RunRecord}, IReadOnlyList{Trace.RuleTraceEntry}, CancellationToken)"/>).
    /// The connections run with <c>secure_delete</c>; the store's residue eraser clears the WAL afterwards (in a file of
    /// the queue's own, when the store is another provider's, the purge rebuilds the file and clears its WAL itself).
    /// In writes of at most <see cref="PurgeBatch"/> messages: one DELETE of a tenant's whole backlog held the queue's
    /// one writer (and the file's write lock) for as long as that backlog took to delete, and every other tenant's
    /// accepts, claims and finishes waited behind it. Between the batches their writes go in.
    /// </summary>
    public Task<int> PurgeTenantAsync(TenantId tenantId, CancellationToken ct) => PurgeTenantAsync(tenantId, PurgeBatch, ct);

    internal async Task<int> PurgeTenantAsync(TenantId tenantId, int batchSize, CancellationToken ct)
    {
        var total = await BatchedDelete.UntilShortAsync(batchSize, () => PurgeTenantBatchAsync(tenantId, batchSize, ct));
        Wake();
        if (!SharesStore)
        {
            // A file of its own (the store is another provider's, DynamoDB): no store erase reaches it, and its WAL and
            // the stale copies a b-tree rebalance leaves in pages (the tenant column's index) kept the tenant's id.
            var eraser = new SqliteFileEraser(_connectionString);
            eraser.Rebuild();
            await eraser.EraseWalAsync(ct);
        }

        return total;
    }

    /// <summary>
    /// The retention round of a queue in a file of its own (the store is another provider's, so no store purge reaches
    /// the file): the WAL, which keeps the frames of finished runs' messages, is truncated, and the file rebuilt first when
    /// <paramref name="rebuild"/>. True when both were done. Does nothing on the store's own file (its purge does it).
    /// </summary>
    internal async Task<bool> EraseOwnFileAsync(bool rebuild, CancellationToken ct)
    {
        if (SharesStore)
        {
            return true;
        }

        var eraser = new SqliteFileEraser(_connectionString);
        var rebuilt = !rebuild || eraser.Rebuild();
        return await eraser.EraseWalAsync(ct) && rebuilt;
    }

    /// <summary>One write of a purge: the tenant's oldest <paramref name="batchSize"/> messages at most (a seek on <c>run_queue_by_tenant</c>).</summary>
    internal Task<int> PurgeTenantBatchAsync(TenantId tenantId, int batchSize, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return _writer.RunAsync(w =>
        {
            var command = w.Command("DELETE FROM run_queue WHERE seq IN (SELECT seq FROM run_queue WHERE tenant = $tenant ORDER BY seq LIMIT $batch);");
            command.Parameters.AddWithValue("$tenant", tenantId.Value);
            command.Parameters.AddWithValue("$batch", batchSize);
            _keyCreated.Remove(tenantId.Value); // the finishes' parse of its key item (SqliteRunQueue.Finish.cs)
            _opened.ForgetTenant(tenantId.Value); // its accepted messages kept opened (OpenedMessages)
            return command.ExecuteNonQuery();
        }, ct);
    }
}
