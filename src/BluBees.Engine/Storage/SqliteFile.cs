using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>The embedded database file, as the store and the run queue open it.</summary>
internal static class SqliteFile
{
    /// <summary>
    /// The per-connection settings, the same on EVERY connection of the file (the store and the queue share one pool,
    /// so a pooled connection opened by one is reused by the other): wait up to 5 s for the write lock;
    /// <c>synchronous = NORMAL</c>, which in WAL mode syncs at checkpoints instead of at every commit (what a power
    /// loss can cost is in docs/architecture.md, "Durability of the embedded store"); <c>secure_delete</c>
    /// (see SqliteStore.Erase.cs); <c>mmap_size = 0</c>: reads copy pages with <c>pread</c> instead of mapping the file.
    /// A mapping did not pay: SQLite drops a connection's whole mapping whenever another connection has committed
    /// (pager.c, pagerBeginReadTransaction: every read after a write, here), so each pooled connection unmapped and
    /// remapped the whole file about once per event (an <c>strace</c> of the bench: 2,555 unmaps of the 22 MB mapping
    /// in about 2,600 events, each a TLB shootdown across the cores, growing with the file), and a quiet A/B measured
    /// less CPU per event and lower unloaded latency without it (docs/benchmarks.md, "Without mmap").
    /// </summary>
    internal const string ConnectionPragmas = BusyTimeoutPragma + " PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; " + SqliteStore.SecureDeletePragma;

    /// <summary>How long a connection waits for a lock (part of <see cref="ConnectionPragmas"/>).</summary>
    internal const string BusyTimeoutPragma = "PRAGMA busy_timeout = 5000;";
    private const int BusyTimeoutMilliseconds = 5000;

    /// <summary>How long <see cref="CanWrite"/> waits for the write lock before it takes "busy" for "writable".</summary>
    private const int CheckBusyMilliseconds = 50;

    // Physical connections already configured. The pool hands out the same native handle again and the pragmas stay
    // set on it, so they are run once per physical connection instead of once per Open (a prepared statement each).
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    /// <summary>
    /// The layout of the file this release writes, kept in <c>PRAGMA user_version</c>: 1 is the <c>items</c> table and
    /// the <c>run_queue</c> with its <c>size</c> column. Files of earlier releases carry 0 and are brought up to it;
    /// a change of layout raises it, so that a backend rolled back onto a newer file refuses it at start instead of
    /// writing into a layout it does not know. A nullable column that an older release may leave empty (its inserts
    /// name their columns) is added in place without raising it, so that release still opens the file: the
    /// <c>run_queue.installed</c> column (the data key an accepted message belongs to; a row without it is checked as
    /// before). So is the <c>rebuild_due</c> table (a rebuild asked of the next purge, SqliteStore.Erase.cs): an older
    /// release ignores it, and a rebuild it runs leaves the row, which costs the next purge one more rebuild.
    /// </summary>
    internal const long SchemaVersion = 1;

    /// <summary>Refuses, naming the file and both versions, a file written by a newer release; changes nothing.</summary>
    public static void RefuseNewerSchema(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        var version = (long)command.ExecuteScalar()!;
        if (version > SchemaVersion)
        {
            throw new StoreOpenException(
                $"Storage:DataDirectory (env Storage__DataDirectory): the SQLite database at '{path}' has schema version {version}, written by a newer "
                + $"BluBees; this backend reads up to {SchemaVersion}. Run the newer release on it, or restore the backup taken before the upgrade (docs/operations.md, Upgrades).");
        }
    }

    /// <summary>Records <see cref="SchemaVersion"/> once the tables of this release exist (an older file's is 0).</summary>
    public static void StampSchemaVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA user_version = {SchemaVersion};";
        command.ExecuteNonQuery();
    }

    // Physical connections that could not write when they were opened (see Open): never pooled, never kept.
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Unwritable = new();

    /// <summary>
    /// Opens a pooled connection of the file, configured with <see cref="ConnectionPragmas"/>. A new physical
    /// connection that cannot write (the file or its <c>-wal</c> made read-only or immutable, its volume remounted
    /// read-only: SQLite then opens them read-only without an error) serves this one use and never goes back to the
    /// pool: the pool is cleared (<see cref="SqliteConnection.ClearPool"/>), which marks every connection in use, this
    /// one included, to be closed when returned, and closes the idle ones. Before, it went back to the pool and stayed
    /// unable to write after the file was writable again, so the writes that drew it failed until the pool pruned it
    /// (minutes). During such an outage reads succeed (each on a connection of its own) and writes fail with SQLite
    /// code 8 or 10 (503); once the files are writable, every new connection can write. Checked once per physical
    /// connection, not per use (<see cref="CanWrite"/>).
    /// </summary>
    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        var handle = connection.Handle!;
        if (!Configured.TryGetValue(handle, out _))
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = ConnectionPragmas;
            pragma.ExecuteNonQuery();
            Configured.AddOrUpdate(handle, handle);
            if (!CanWrite(connection))
            {
                Unwritable.AddOrUpdate(handle, handle);
                SqliteConnection.ClearPool(connection);
            }
        }

        return connection;
    }

    /// <summary>
    /// Whether the connection was opened unable to write (<see cref="Open"/>). A caller that keeps a connection beyond
    /// one use (the point readers, the group-commit writer) must not keep such a one.
    /// </summary>
    public static bool OpenedReadOnly(SqliteConnection connection) => Unwritable.TryGetValue(connection.Handle!, out _);

    /// <summary>
    /// Whether the connection can write: SQLite opened its main file read-write (<c>sqlite3_db_readonly</c>) and
    /// <c>BEGIN IMMEDIATE</c> succeeds, rolled back at once (nothing is written; the write lock is held for that one
    /// statement, after waiting for it at most 50 ms). Neither alone tells:
    /// SQLite may hand a new connection the main file's read-write descriptor that a closed one left while others hold
    /// locks on it, and open the <c>-wal</c> (at the first read) read-only, so a connection can have a writable main
    /// file and a read-only WAL, and fail every write for its whole life; and <c>BEGIN IMMEDIATE</c> was seen to succeed
    /// on a connection whose main file SQLite had opened read-only. A failure (read-only, an I/O error) counts as
    /// "cannot": such a connection is only not pooled; the lock busy past a short wait counts as "can" (see below).
    /// Runs once per physical connection.
    /// </summary>
    internal static bool CanWrite(SqliteConnection connection)
    {
        // Through the native API: a SqliteCommand retries SQLITE_BUSY in a sleeping loop until its command timeout;
        // here SQLite's own busy handler (the connection's busy_timeout) waits for the lock.
        var db = connection.Handle!;
        if (SQLitePCL.raw.sqlite3_db_readonly(db, "main") == 1)
        {
            return false;
        }

        // A new, empty file: a transaction now would fix its page size and auto_vacuum mode before the store's
        // Initialize sets auto_vacuum (SqliteStore.Retention.cs); the main file's read-only state is all there is yet.
        if (new FileInfo(connection.DataSource).Length == 0)
        {
            return true;
        }

        // The write lock is asked for with a short wait, not the connection's 5 s: under load the group-commit writer
        // holds it most of the time, and a check that waited the full timeout and then counted "busy" as "cannot" would
        // clear the pool, so every connection opened again would be checked again (a storm of 5 s opens). Busy means
        // another connection is writing the file, so it takes writes: this one is pooled (it cannot be told apart
        // from a writable one without the lock; the rare read-only WAL among them fails its writes with a 503 until
        // the next clear of the pool).
        SQLitePCL.raw.sqlite3_busy_timeout(db, CheckBusyMilliseconds);
        int rc;
        try
        {
            rc = SQLitePCL.raw.sqlite3_exec(db, "BEGIN IMMEDIATE;");
        }
        finally
        {
            SQLitePCL.raw.sqlite3_busy_timeout(db, BusyTimeoutMilliseconds);
        }

        if (rc is SQLitePCL.raw.SQLITE_BUSY)
        {
            return true;
        }

        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            return false;
        }

        SQLitePCL.raw.sqlite3_exec(db, "ROLLBACK;");
        return true;
    }

    /// <summary>
    /// Creates the file owner-only (0600) before SQLite first opens it, because SQLite gives its <c>-wal</c> and
    /// <c>-shm</c> files the main file's mode, and returns the pooled connection string both users share.
    /// </summary>
    public static string ConnectionString(string path)
    {
        OwnerOnlyFile.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            using (OwnerOnlyFile.Create(path))
            {
            }
        }

        return new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }
}
