using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>The queue's table and indexes, created or upgraded on open.</summary>
public sealed partial class SqliteRunQueue
{
    private void Initialize()
    {
        using var connection = Open();
        SqliteFile.RefuseNewerSchema(connection, _connectionPath);
        using var command = connection.CreateCommand();
        // items is created here too when the queue's file is not the store's (another store provider).
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS items (
                pk TEXT NOT NULL, sk TEXT NOT NULL, data TEXT NOT NULL, expires_at INTEGER NULL, revision INTEGER NOT NULL,
                PRIMARY KEY (pk, sk)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS run_queue (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                tenant TEXT NOT NULL,
                source TEXT NOT NULL,
                rule_id TEXT NULL,
                enqueued_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                lease_until INTEGER NULL,
                dedup_pk TEXT NULL,
                dedup_sk TEXT NULL,
                body TEXT NOT NULL,
                size INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS run_queue_by_tenant ON run_queue (tenant, seq);
            """;
        command.ExecuteNonQuery();

        // The stored size of each message (a file from before it was kept counts its rows as 0 bytes until they are
        // run), and the index that sums it per tenant without reading the bodies.
        if (!HasSizeColumn(connection))
        {
            try
            {
                using var add = connection.CreateCommand();
                add.CommandText = "ALTER TABLE run_queue ADD COLUMN size INTEGER NOT NULL DEFAULT 0;";
                add.ExecuteNonQuery();
            }
            catch (SqliteException) when (HasSizeColumn(connection))
            {
                // Another process opening the same file added it first.
            }
        }

        using var index = connection.CreateCommand();
        index.CommandText = "CREATE INDEX IF NOT EXISTS run_queue_bytes ON run_queue (tenant, size);";
        index.ExecuteNonQuery();
        SqliteFile.StampSchemaVersion(connection);
    }

    private static bool HasSizeColumn(SqliteConnection connection)
    {
        using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('run_queue') WHERE name = 'size';";
        return (long)columns.ExecuteScalar()! != 0;
    }
}
