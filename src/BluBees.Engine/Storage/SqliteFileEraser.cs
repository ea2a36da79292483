using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// The erase of one SQLite file's residue (why each step is needed: SqliteStore.Erase.cs): the truncating checkpoint
/// that clears the WAL, retried while a reader holds an old snapshot, and the rebuild (<c>VACUUM</c>) that rewrites every
/// page. The store's file and, when it has one of its own, the run queue's (<c>Runs/SqliteRunQueue.Purge.cs</c>).
/// </summary>
internal sealed class SqliteFileEraser(string connectionString)
{
    /// <summary>How long the truncating checkpoint of an erase waits for a lock (writers wait for it meanwhile).</summary>
    public static readonly TimeSpan EraseBusyTimeout = TimeSpan.FromMilliseconds(100);

    private const int CheckpointAttempts = 20;

    /// <summary>Truncates the WAL, trying again for about 10 s while another connection keeps it from completing.</summary>
    public async Task<bool> EraseWalAsync(CancellationToken ct)
    {
        for (var attempt = 1; attempt <= CheckpointAttempts; attempt++)
        {
            if (TruncateWal(EraseBusyTimeout))
            {
                return true;
            }

            // A reader still holds an old snapshot, or writers kept the lock: try again shortly. Real time on purpose,
            // not the injected TimeProvider: this waits for other connections (a backend's reader) to let go, and a fake
            // clock that never advances (LiveKeyRotationTests rotates and erases under one) would wait for ever once a reader holds a snapshot.
            await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), ct);
        }

        return false;
    }

    /// <summary>
    /// One truncating checkpoint, waiting at most <paramref name="busyTimeout"/> for a lock (default: the connection's
    /// 5 s). True when every WAL frame was copied back and the file truncated.
    /// </summary>
    public bool TruncateWal(TimeSpan? busyTimeout = null)
    {
        using var connection = SqliteFile.Open(connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        command.ExecuteNonQuery();
        if (busyTimeout is { } timeout)
        {
            command.CommandText = $"PRAGMA busy_timeout = {(int)timeout.TotalMilliseconds};";
            command.ExecuteNonQuery();
        }

        try
        {
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = command.ExecuteReader();
            // Columns: busy (1 when it could not complete), frames in the WAL, frames checkpointed.
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        finally
        {
            if (busyTimeout is not null)
            {
                command.CommandText = SqliteFile.BusyTimeoutPragma; // the pooled connection goes back as it came
                command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>Free space a rebuild leaves to the other writers, beyond the file's size (the WAL grows by that much).</summary>
    public const long RebuildReserveBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Rewrites every page of the file from its live rows (<c>VACUUM</c>); false when it could not run now. Not run while
    /// the volume has less free space than the file's size plus <see cref="RebuildReserveBytes"/>: in WAL mode the rebuilt
    /// pages go to the WAL first, and a rebuild that filled the volume would refuse every other write meanwhile (503).
    /// </summary>
    public bool Rebuild()
    {
        try
        {
            var path = Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource);
            if (new DriveInfo(Path.GetDirectoryName(path)!).AvailableFreeSpace < new FileInfo(path).Length + RebuildReserveBytes)
            {
                return false;
            }
        }
        catch (IOException)
        {
            return false;
        }

        try
        {
            using var connection = SqliteFile.Open(connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = "VACUUM;";
            command.ExecuteNonQuery();
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
