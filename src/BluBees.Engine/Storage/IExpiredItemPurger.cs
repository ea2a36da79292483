namespace BluBees.Engine.Storage;

/// <summary>
/// A store that keeps expired items until someone deletes them (SQLite). DynamoDB deletes them itself (TTL) and
/// does not implement this. Every read already hides expired items; this is about the bytes on disk.
/// </summary>
internal interface IExpiredItemPurger
{
    /// <summary>Deletes at most <paramref name="batchSize"/> items whose expiry is at or before <paramref name="now"/>.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken ct);

    /// <summary>
    /// Gives freed pages back to the file system and wipes the WAL copies of what was deleted; rebuilds the file first
    /// when a rebuild is due (<see cref="RebuildAtNextPurge"/>).
    /// </summary>
    Task CompactAsync(CancellationToken ct);

    /// <summary>
    /// Makes the next <see cref="CompactAsync"/> rewrite every page of the file (stale copies of deleted rows go), in this
    /// process or the next one on the same file (the request is recorded in the file).
    /// </summary>
    void RebuildAtNextPurge();
}
