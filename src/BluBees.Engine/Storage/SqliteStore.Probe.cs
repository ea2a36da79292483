using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// The health probe. The store's pooled and kept connections hold the file open: when the file is deleted, renamed
/// away or replaced (an operator, a clean-up job, a restore or sync tool that renames a copy over it, a replaced
/// volume) they go on reading and writing the file they opened, unlinked, and all of it is lost at the next start,
/// while a read through them still succeeds. The probe therefore asks SQLite first whether the file the store opened
/// at start (its idle anchor connection) is still the file at the path (<see cref="SqliteFileIdentity"/>, one
/// <c>stat</c>): a file deleted and created anew by a connection opened by the path meanwhile (every pooled open may
/// create it), or a copy renamed over it, is another file, and fails it. Then it opens a connection of its own,
/// outside the pool and without <c>Create</c>, by the path, and reads the health key: it fails when the file is gone
/// or has no <c>items</c> table. (A <c>-wal</c> deleted alone is not reliably reported: SQLite's check answers for the main
/// file only, and the read fails, an I/O error, only while the WAL holds frames not yet checkpointed.)
/// A volume with less than <see cref="MinFreeBytes"/> left fails it as well: reads still succeed there, but writes (an
/// event's queue message takes up to a few MB) answer 503, and /health must not say "ok" while they do. So does a
/// file that opens read-only.
/// </summary>
internal sealed partial class SqliteStore
{
    /// <summary>Free space on the database's volume below which the store counts as full.</summary>
    internal const long MinFreeBytes = 1024 * 1024;

    public async Task ProbeAsync(CancellationToken ct)
    {
        if (SqliteFileIdentity.HasMoved(_anchor))
        {
            throw new IOException("The file of the embedded store is no longer the file at its path (deleted, moved or replaced while the backend runs); restart the backend.");
        }

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

    /// <summary>The anchor: its own physical connection (never pooled, so never closed or reused by others), idle.</summary>
    private static SqliteConnection OpenAnchor(string connectionString)
    {
        var anchor = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        anchor.Open();
        return anchor;
    }
}
