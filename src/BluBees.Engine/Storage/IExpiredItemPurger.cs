namespace BluBees.Engine.Storage;

/// <summary>
/// A store that keeps expired items until someone deletes them (SQLite). DynamoDB deletes them itself (TTL) and
/// does not implement this. Every read already hides expired items; this is about the bytes on disk.
/// </summary>
internal interface IExpiredItemPurger
{
    /// <summary>Deletes at most <paramref name="batchSize"/> items whose expiry is at or before <paramref name="now"/>.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken ct);

    /// <summary>Gives freed pages back to the file system and wipes the WAL copies of what was deleted.</summary>
    Task CompactAsync(CancellationToken ct);
}
