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
                size INTEGER NOT NULL DEFAULT 0,
                installed TEXT NULL,
                suspect INTEGER NOT NULL DEFAULT 0,
                drains INTEGER NOT NULL DEFAULT 0
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

        // The creation time of the tenant's data key when the message was accepted (which installation it belongs to;
        // see InstalledSince). Nullable and added in place: an older release's rows have none, and an older release
        // still reads and writes this file (its inserts name their columns), so the schema version stays.
        if (!HasColumn(connection, "installed"))
        {
            try
            {
                using var add = connection.CreateCommand();
                add.CommandText = "ALTER TABLE run_queue ADD COLUMN installed TEXT NULL;";
                add.ExecuteNonQuery();
            }
            catch (SqliteException) when (HasColumn(connection, "installed"))
            {
                // Another process opening the same file added it first.
            }
        }

        // Whether the message was leased when a previous process died (a suspect, see SqliteRunQueue.Suspects.cs).
        // Added in place as installed was: an older release names its columns and leaves it 0 on what it inserts.
        if (!HasColumn(connection, "suspect"))
        {
            try
            {
                using var add = connection.CreateCommand();
                add.CommandText = "ALTER TABLE run_queue ADD COLUMN suspect INTEGER NOT NULL DEFAULT 0;";
                add.ExecuteNonQuery();
            }
            catch (SqliteException) when (HasColumn(connection, "suspect"))
            {
                // Another process opening the same file added it first.
            }
        }

        // How many times a drain gave the message back (SqliteRunQueue.ReleaseAsync): counted apart from its deliveries.
        // Added in place as suspect was: an older release names its columns, leaves it 0 on what it inserts, and counts
        // a drain as a delivery, as it always did.
        if (!HasColumn(connection, "drains"))
        {
            try
            {
                using var add = connection.CreateCommand();
                add.CommandText = "ALTER TABLE run_queue ADD COLUMN drains INTEGER NOT NULL DEFAULT 0;";
                add.ExecuteNonQuery();
            }
            catch (SqliteException) when (HasColumn(connection, "drains"))
            {
                // Another process opening the same file added it first.
            }
        }

        // The suspects only (a partial index): finding them costs their number, not the queue's depth.
        using var index = connection.CreateCommand();
        index.CommandText = """
            CREATE INDEX IF NOT EXISTS run_queue_bytes ON run_queue (tenant, size);
            CREATE INDEX IF NOT EXISTS run_queue_suspects ON run_queue (seq) WHERE suspect = 1;
            """;
        index.ExecuteNonQuery();
        CountQueue(connection);
        SqliteFile.StampSchemaVersion(connection);
    }

    /// <summary>
    /// The queue's totals, whole and per tenant, that admission reads on every accept (<see cref="Full"/>): kept by
    /// triggers in the same transaction as each insert or delete, so every writer keeps them (another process on the
    /// file, an older release, a purge), and recounted from the rows on every open, which also brings a file from
    /// before them up to date. Counting the rows on each accept instead cost the queue's depth: a 30,000-message
    /// backlog made every accept scan 30,000 index entries (docs/benchmarks.md, "Deep queue"). A tenant's row goes
    /// when its last message does, so an uninstalled tenant leaves no row here.
    /// </summary>
    private static void CountQueue(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS run_queue_total (
                id INTEGER PRIMARY KEY CHECK (id = 1), messages INTEGER NOT NULL, bytes INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS run_queue_tenant_total (
                tenant TEXT NOT NULL PRIMARY KEY, messages INTEGER NOT NULL, bytes INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TRIGGER IF NOT EXISTS run_queue_counted_in AFTER INSERT ON run_queue BEGIN
                INSERT INTO run_queue_tenant_total (tenant, messages, bytes) VALUES (NEW.tenant, 1, NEW.size)
                    ON CONFLICT (tenant) DO UPDATE SET messages = messages + 1, bytes = bytes + excluded.bytes;
                UPDATE run_queue_total SET messages = messages + 1, bytes = bytes + NEW.size WHERE id = 1;
            END;
            CREATE TRIGGER IF NOT EXISTS run_queue_counted_out AFTER DELETE ON run_queue BEGIN
                UPDATE run_queue_tenant_total SET messages = messages - 1, bytes = bytes - OLD.size WHERE tenant = OLD.tenant;
                DELETE FROM run_queue_tenant_total WHERE tenant = OLD.tenant AND messages <= 0;
                UPDATE run_queue_total SET messages = messages - 1, bytes = bytes - OLD.size WHERE id = 1;
            END;
            CREATE TRIGGER IF NOT EXISTS run_queue_counted_moved AFTER UPDATE OF tenant, size ON run_queue BEGIN
                UPDATE run_queue_tenant_total SET messages = messages - 1, bytes = bytes - OLD.size WHERE tenant = OLD.tenant;
                DELETE FROM run_queue_tenant_total WHERE tenant = OLD.tenant AND messages <= 0;
                INSERT INTO run_queue_tenant_total (tenant, messages, bytes) VALUES (NEW.tenant, 1, NEW.size)
                    ON CONFLICT (tenant) DO UPDATE SET messages = messages + 1, bytes = bytes + excluded.bytes;
                UPDATE run_queue_total SET bytes = bytes - OLD.size + NEW.size WHERE id = 1;
            END;
            DELETE FROM run_queue_total;
            INSERT INTO run_queue_total (id, messages, bytes) SELECT 1, COUNT(*), IFNULL(SUM(size), 0) FROM run_queue;
            DELETE FROM run_queue_tenant_total;
            INSERT INTO run_queue_tenant_total (tenant, messages, bytes)
                SELECT tenant, COUNT(*), IFNULL(SUM(size), 0) FROM run_queue GROUP BY tenant;
            """;
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    private static bool HasSizeColumn(SqliteConnection connection) => HasColumn(connection, "size");

    private static bool HasColumn(SqliteConnection connection, string name)
    {
        using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('run_queue') WHERE name = $name;";
        columns.Parameters.AddWithValue("$name", name);
        return (long)columns.ExecuteScalar()! != 0;
    }
}
