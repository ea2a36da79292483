using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Storage;

/// <summary>
/// The embedded default: one SQLite file in WAL mode, one table mirroring the DynamoDB layout.
/// Expired items are filtered on every read, exactly like the DynamoDB store.
/// </summary>
internal sealed partial class SqliteStore : IStore
{
    private const string Columns = "pk, sk, data, expires_at, revision";
    private const string PutSql = $"""
        INSERT INTO items ({Columns}) VALUES ($pk, $sk, $data, $exp, 1)
        ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
            revision = items.revision + 1;
        """;
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    /// <summary>
    /// A connection that holds the file the store opened at start, kept idle for the store's life: the health probe
    /// asks SQLite whether that file is still the one at the path (<see cref="SqliteFileIdentity"/>, SqliteStore.Probe.cs).
    /// </summary>
    private readonly SqliteConnection _anchor;

    public SqliteStore(IOptions<StorageOptions> options, TimeProvider time)
    {
        _time = time;
        var path = options.Value.SqlitePath;
        try
        {
            _connectionString = SqliteFile.ConnectionString(path);
            Initialize();
            _anchor = OpenAnchor(_connectionString);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException)
        {
            // Fails the start naming the setting, not with a bare IO stack trace.
            throw new StoreOpenException(
                $"Storage:DataDirectory (env Storage__DataDirectory) / Storage:SqliteFileName: cannot create or open the SQLite database at '{path}' ({ex.GetType().Name}: {ex.Message}).", ex);
        }
    }

    public string DatabasePath => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    private void Initialize()
    {
        using var connection = Open();
        SqliteFile.RefuseNewerSchema(connection, DatabasePath);
        using var command = connection.CreateCommand();
        // auto_vacuum only takes effect on a new file (before the first table); see SqliteStore.Retention.cs.
        command.CommandText = """
            PRAGMA auto_vacuum = INCREMENTAL;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS items (
                pk TEXT NOT NULL,
                sk TEXT NOT NULL,
                data TEXT NOT NULL,
                expires_at INTEGER NULL,
                revision INTEGER NOT NULL,
                PRIMARY KEY (pk, sk)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS items_expires_at ON items (expires_at) WHERE expires_at IS NOT NULL;
            CREATE TABLE IF NOT EXISTS rebuild_due (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL);
            """;
        command.ExecuteNonQuery();
        SqliteFile.StampSchemaVersion(connection);
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" })
        {
            if (File.Exists(file))
            {
                OwnerOnlyFile.Restrict(file);
            }
        }
    }

    /// <summary>A connection whose statements wait for the write lock at most the command timeout, or the scope's bound (<see cref="StoreWriteWait"/>).</summary>
    private SqliteConnection Open()
    {
        var connection = SqliteFile.Open(_connectionString);
        if (StoreWriteWait.CurrentSeconds is { } seconds)
        {
            connection.DefaultTimeout = seconds;
        }

        return connection;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    public async Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct)
        => await PutIfRevisionAsync(item, 0, ct);

    public async Task PutAsync(StoreItem item, CancellationToken ct)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = PutSql;
        Bind(command, item);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every item in one transaction: one commit instead of one per item.</summary>
    public async Task PutManyAsync(IReadOnlyList<StoreItem> items, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return;
        }

        await using var connection = Open();
        await using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: no lock upgrade
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = PutSql;
        foreach (var item in items)
        {
            command.Parameters.Clear();
            Bind(command, item);
            await command.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    public async Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        if (expectedRevision == 0)
        {
            // Absent, or present but expired (an expired item is invisible, so it counts as absent).
            command.CommandText = $"""
                INSERT INTO items ({Columns}) VALUES ($pk, $sk, $data, $exp, 1)
                ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, revision = 1
                WHERE items.expires_at IS NOT NULL AND items.expires_at <= $now;
                """;
        }
        else
        {
            command.CommandText = """
                UPDATE items SET data = $data, expires_at = $exp, revision = $rev + 1
                WHERE pk = $pk AND sk = $sk AND revision = $rev AND (expires_at IS NULL OR expires_at > $now);
                """;
            command.Parameters.AddWithValue("$rev", expectedRevision);
        }

        Bind(command, item);
        command.Parameters.AddWithValue("$now", Now);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled<StoreItem?>(ct);
        }

        try
        {
            return Task.FromResult(PointRead(pk, sk));
        }
        catch (Exception ex)
        {
            return Task.FromException<StoreItem?>(ex);
        }
    }

    public async Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        var (low, high) = SortKeyRange.For(request);
        var order = request.Descending ? "DESC" : "ASC";
        var cursor = request.StartAfter is null ? string.Empty : request.Descending ? "AND sk < $after" : "AND sk > $after";
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM items
            WHERE pk = $pk AND sk >= $low AND sk < $high {cursor} AND (expires_at IS NULL OR expires_at > $now)
            ORDER BY sk {order} LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$pk", request.Pk);
        command.Parameters.AddWithValue("$low", low);
        command.Parameters.AddWithValue("$high", high);
        command.Parameters.AddWithValue("$now", Now);
        command.Parameters.AddWithValue("$limit", request.Limit + 1);
        if (request.StartAfter is not null)
        {
            command.Parameters.AddWithValue("$after", request.StartAfter);
        }

        var items = new List<StoreItem>(Math.Min(request.Limit + 1, 256));
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(Read(reader));
            }
        }

        string? next = null;
        if (items.Count > request.Limit)
        {
            items.RemoveAt(items.Count - 1);
            next = items[^1].Sk;
        }

        return new QueryPage(items, next);
    }

    public async Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM items WHERE pk = $pk AND sk = $sk;";
        command.Parameters.AddWithValue("$pk", pk);
        command.Parameters.AddWithValue("$sk", sk);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM items WHERE pk = $pk AND sk = $sk AND revision = $rev AND (expires_at IS NULL OR expires_at > $now);";
        command.Parameters.AddWithValue("$pk", pk);
        command.Parameters.AddWithValue("$sk", sk);
        command.Parameters.AddWithValue("$rev", expectedRevision);
        command.Parameters.AddWithValue("$now", Now);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// In batches of <see cref="PartitionDeleteBatch"/>, each its own transaction, as the contract says: one statement
    /// for the whole partition held the file's write lock for as long as a tenant's history took to delete (with
    /// <c>secure_delete</c>, zeroing each row), and every other tenant's writes (the run queue's accepts) waited, or
    /// failed after the busy timeout. Between batches they get the lock.
    /// </summary>
    public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => DeletePartitionAsync(pk, PartitionDeleteBatch, ct);

    /// <summary>How many items one transaction of a partition delete removes at most.</summary>
    internal const int PartitionDeleteBatch = 500;

    internal Task<int> DeletePartitionAsync(string pk, int batchSize, CancellationToken ct)
        => BatchedDelete.UntilShortAsync(batchSize, () => DeletePartitionBatchAsync(pk, batchSize, ct));

    /// <summary>One transaction of a partition delete: at most <paramref name="batchSize"/> items (a seek on the primary key).</summary>
    internal async Task<int> DeletePartitionBatchAsync(string pk, int batchSize, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM items WHERE pk = $pk AND sk IN (SELECT sk FROM items WHERE pk = $pk ORDER BY sk LIMIT $batch);";
        command.Parameters.AddWithValue("$pk", pk);
        command.Parameters.AddWithValue("$batch", batchSize);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static void Bind(SqliteCommand command, StoreItem item)
    {
        command.Parameters.AddWithValue("$pk", item.Pk);
        command.Parameters.AddWithValue("$sk", item.Sk);
        command.Parameters.AddWithValue("$data", item.Data);
        command.Parameters.AddWithValue("$exp", (object?)item.ExpiresAt ?? DBNull.Value);
    }

    private static StoreItem Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetInt64(3),
        reader.GetInt64(4));
}
