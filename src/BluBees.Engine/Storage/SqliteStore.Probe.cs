using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// The health probe. The store's pooled and kept connections hold the file open: when the file is deleted (an
/// operator, a clean-up job, a replaced volume) they go on reading and writing the unlinked file, and all of it is lost
/// at the next start, while a read through them still succeeds. The probe therefore opens a connection of its own,
/// outside the pool and without <c>Create</c>, by the path, and reads the health key: it fails when the file is gone,
/// and when a file created anew by another connection (every pooled open may create it) has no <c>items</c> table. A
/// <c>-wal</c> deleted under it fails the read (an I/O error) only while the read needs frames of it that a checkpoint
/// has not copied into the main file yet, so it is not reliably reported. A volume with less than
/// <see cref="MinFreeBytes"/> left fails it as well: reads still succeed there, but writes (an event's queue message
/// takes up to a few MB) answer 503, and /health must not say "ok" while they do. So does a file that opens read-only.
/// </summary>
internal sealed partial class SqliteStore
{
    /// <summary>Free space on the database's volume below which the store counts as full.</summary>
    internal const long MinFreeBytes = 1024 * 1024;

    public async Task ProbeAsync(CancellationToken ct)
    {
        var builder = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(ct);
        // A file SQLite cannot open for writing (made read-only or immutable, its volume remounted read-only after an
        // error) is opened read-only without an error, and the read below succeeds while every write answers 503.
        // sqlite3_db_readonly does not always say so (SQLite may hand this connection a read-write descriptor another
        // connection left, and open the WAL read-only): SqliteFile.CanWrite asks for the write lock and writes nothing.
        using (var timeout = connection.CreateCommand())
        {
            timeout.CommandText = SqliteFile.BusyTimeoutPragma;
            timeout.ExecuteNonQuery();
        }

        if (!SqliteFile.CanWrite(connection))
        {
            throw new IOException("The file of the embedded store cannot be written.");
        }

        // One statement: the scalar of a batch is its first statement's, and the statements after it were never
        // stepped (the read, behind "PRAGMA busy_timeout", never ran, so a file created anew without tables said "ok").
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM items WHERE pk = $pk AND sk = $sk;";
        command.Parameters.AddWithValue("$pk", Keys.HealthPk);
        command.Parameters.AddWithValue("$sk", Keys.HealthSk);
        await command.ExecuteScalarAsync(ct);
        if (new DriveInfo(Path.GetDirectoryName(DatabasePath)!).AvailableFreeSpace < MinFreeBytes)
        {
            throw new IOException("The volume of the embedded store is full.");
        }
    }
}
