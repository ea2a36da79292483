using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// The health probe. The store's pooled and kept connections hold the file open: when the file is deleted (an
/// operator, a clean-up job, a replaced volume) they go on reading and writing the unlinked file, and all of it is lost
/// at the next start, while a read through them still succeeds. The probe therefore opens a connection of its own,
/// outside the pool and without <c>Create</c>, by the path: it fails when the file is gone, and a file created anew by
/// another connection has no <c>items</c> table, so the read fails too.
/// </summary>
internal sealed partial class SqliteStore
{
    public async Task ProbeAsync(CancellationToken ct)
    {
        var builder = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteFile.BusyTimeoutPragma + " SELECT count(*) FROM items WHERE pk = $pk AND sk = $sk;";
        command.Parameters.AddWithValue("$pk", Keys.HealthPk);
        command.Parameters.AddWithValue("$sk", Keys.HealthSk);
        await command.ExecuteScalarAsync(ct);
    }
}
