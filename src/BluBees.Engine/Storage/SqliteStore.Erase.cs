using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// Deletion that leaves no recoverable byte in the SQLite files (crypto-shredding needs the wrapped data key gone):
/// <list type="bullet">
/// <item><c>secure_delete = ON</c> on every connection: SQLite overwrites deleted cells, freed pages and overflow
/// pages with zeros, including the old copy of a row that an update rewrote (https://www.sqlite.org/pragma.html#pragma_secure_delete).
/// <c>FAST</c> is not enough: it only zeroes what costs no extra I/O and, as the page says, leaves "forensic
/// traces on freelist pages" (a freed overflow page of a large row keeps its bytes).</item>
/// <item>A <c>wal_checkpoint(TRUNCATE)</c> after a tenant delete and on close: the WAL keeps the page images of
/// earlier commits (the row before its delete) until it is reset; TRUNCATE copies the latest pages into the main
/// file and truncates the <c>-wal</c> file to zero bytes (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint).</item>
/// </list>
/// The <c>-shm</c> file only indexes WAL frames (page numbers, salts, checksums), never row content.
/// </summary>
internal sealed partial class SqliteStore : IResidueEraser, IDisposable
{
    internal const string SecureDeletePragma = "PRAGMA secure_delete = ON;";
    private const int CheckpointAttempts = 20;
    private int _disposed;

    public async Task<bool> EraseResidueAsync(CancellationToken ct)
    {
        for (var attempt = 1; attempt <= CheckpointAttempts; attempt++)
        {
            if (TruncateWal())
            {
                return true;
            }

            // A reader still holds an old snapshot (busy_timeout already waited 5 s): try again shortly.
            await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), ct);
        }

        return false;
    }

    /// <summary>One truncating checkpoint. True when every WAL frame was copied back and the file truncated.</summary>
    internal bool TruncateWal()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        using var reader = command.ExecuteReader();
        // Columns: busy (1 when it could not complete), frames in the WAL, frames checkpointed.
        return reader.Read() && reader.GetInt64(0) == 0;
    }

    /// <summary>A clean stop: checkpoint and truncate the WAL, then close the pooled connections of this file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        ClosePointReaders();
        try
        {
            TruncateWal();
        }
        catch (SqliteException)
        {
            // Closing the last connection below checkpoints again and removes the WAL when it can.
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
