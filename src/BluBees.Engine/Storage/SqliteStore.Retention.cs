
namespace BluBees.Engine.Storage;

/// <summary>
/// Expired items are deleted, not only hidden: the retention service (<see cref="RetentionService"/>) calls these on
/// its schedule. Batches are bounded so that writers wait at most one batch. Freed pages are reused by later
/// writes; on a file created with <c>auto_vacuum = INCREMENTAL</c> (every file this version creates) they are also
/// given back to the file system, so the file tracks the live data instead of growing forever.
/// </summary>
internal sealed partial class SqliteStore : IExpiredItemPurger
{
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            DELETE FROM items WHERE (pk, sk) IN (
                SELECT pk, sk FROM items WHERE expires_at IS NOT NULL AND expires_at <= $now ORDER BY expires_at LIMIT $batch);
            """;
        command.Parameters.AddWithValue("$now", now.ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$batch", batchSize);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public async Task CompactAsync(CancellationToken ct)
    {
        if (RebuildDue())
        {
            Rebuild(); // asked for by deletes since the last purge (in this process or one before it), or an uninstall's that could not run then
        }

        await using (var connection = Open())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA incremental_vacuum;";
            await command.ExecuteNonQueryAsync(ct);
        }

        // The deleted rows' old page images leave the WAL too (and a tenant delete that found a reader retries here).
        await EraseResidueAsync(ct);
    }

    /// <summary>Pages in the main file (page_count) and how many of them are free (freelist_count).</summary>
    internal (long Pages, long FreePages) PageCounts()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT page_count FROM pragma_page_count()), (SELECT freelist_count FROM pragma_freelist_count());";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
