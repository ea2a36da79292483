namespace BluBees.Engine.Storage;

/// <summary>
/// The storage seam. Two implementations honour the same contract (tests/…/Storage/StoreContract*):
/// SQLite for the embedded default and DynamoDB for production. No operation spans items atomically (no transactions).
/// </summary>
public interface IStore
{
    /// <summary>Writes the item when no live (unexpired) item has the same key. Returns false otherwise.</summary>
    Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct);

    /// <summary>Writes the item unconditionally with <see cref="StoreItem.Revision"/> 1 more than the current one.</summary>
    Task PutAsync(StoreItem item, CancellationToken ct);

    /// <summary>
    /// Writes each item as <see cref="PutAsync"/> does, together where the store can: SQLite in one transaction,
    /// DynamoDB several at once (its batch write cannot add to a revision). Not atomic across items on DynamoDB; a
    /// failure may leave some written. For many small unconditional writes at once (a filtered event's trace).
    /// </summary>
    async Task PutManyAsync(IReadOnlyList<StoreItem> items, CancellationToken ct)
    {
        foreach (var item in items)
        {
            await PutAsync(item, ct);
        }
    }

    /// <summary>
    /// Writes the item only when the stored revision equals <paramref name="expectedRevision"/> (0: absent).
    /// The written item gets revision <paramref name="expectedRevision"/> + 1. Returns false on a conflict.
    /// </summary>
    Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct);

    /// <summary>Returns the live item, or null when it is missing or expired.</summary>
    Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct);

    /// <summary>Returns one page of live items of one partition, in sort-key order.</summary>
    Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct);

    /// <summary>Deletes one item. Returns whether it existed.</summary>
    Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct);

    /// <summary>
    /// Deletes the item only when it is live and its stored revision equals <paramref name="expectedRevision"/>.
    /// Returns false (and deletes nothing) otherwise: missing, expired, or rewritten since it was read.
    /// </summary>
    Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct);

    /// <summary>Deletes every item of a partition, in batches. Returns the count deleted.</summary>
    Task<int> DeletePartitionAsync(string pk, CancellationToken ct);

    /// <summary>
    /// What <c>GET /health</c> runs: throws when the store cannot serve. By default a point read of the health key;
    /// the SQLite store also checks that its file is still the one on disk (see <c>SqliteStore.Probe.cs</c>).
    /// </summary>
    Task ProbeAsync(CancellationToken ct) => GetAsync(Keys.HealthPk, Keys.HealthSk, ct);
}
