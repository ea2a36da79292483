using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Another process's hold of the store's write lock (<c>BEGIN IMMEDIATE</c> on a second connection to the file, as an
/// operator's <c>sqlite3</c> shell or a backup tool holds it) for as long as the test needs: released by
/// <see cref="ReleaseAsync"/> or at disposal.
/// </summary>
internal sealed class HeldStoreLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private bool _held = true;

    private HeldStoreLock(SqliteConnection connection) => _connection = connection;

    public static async Task<HeldStoreLock> TakeAsync(string dataDirectory)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "blubees.db"), Pooling = false }.ToString());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "BEGIN IMMEDIATE;");
        return new HeldStoreLock(connection);
    }

    public async Task ReleaseAsync()
    {
        if (_held)
        {
            _held = false;
            await ExecuteAsync(_connection, "ROLLBACK;");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _connection.DisposeAsync();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
