using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>One message the worker holds a lease on. <see cref="Body"/> is ciphertext until <see cref="SqliteRunQueue.OpenAsync"/>.</summary>
public sealed record ClaimedMessage(string Id, string TenantId, string Source, string? RuleId, int Attempts, DateTimeOffset EnqueuedAt, string Body)
{
    /// <summary>Leased when the previous process died: it runs alone (SqliteRunQueue.Suspects.cs).</summary>
    public bool Suspect { get; init; }

    /// <summary>
    /// How many times a drain (a deploy or shutdown) gave the message back before this claim. A drain does not count as
    /// a delivery (<see cref="Attempts"/>); its give-backs are bounded by <see cref="Execution.RunOptions.MaxDrains"/>.
    /// </summary>
    public int Drains { get; init; }

    /// <summary>An earlier delivery may have finished some of the message's rules: a later delivery, or a claim after a drain.</summary>
    public bool Replay => Attempts > 1 || Drains > 0;

    /// <summary>The row's tenant as a partition owner: the queue row is the edge where the worker names its tenant.</summary>
    public Storage.TenantId Tenant => new(TenantId);
}

/// <summary>
/// The embedded default's queue: durable, in the same SQLite file as the store (table <c>run_queue</c>, its own
/// connection to the file; the store's <c>items</c> table is written in the same transactions). Accepting an event
/// writes its de-duplication marker and its message in one transaction; finishing a run writes its run record(s),
/// marks the marker finished and deletes the message in one transaction. The message body is the whole
/// <see cref="RunMessage"/> encrypted with <see cref="SecretCipher"/> under the tenant's data key (record id
/// <c>queue/sqlite/&lt;message id&gt;</c>); only the tenant id, source, rule id, times and attempts are in clear.
/// Connections run with <c>secure_delete</c>, so a deleted message's pages are zeroed. Every write goes through one
/// <see cref="SqliteWriter"/> (group commit: concurrent accepts, claims and finishes share a transaction).
/// </summary>
public sealed partial class SqliteRunQueue : IDedupingRunQueue, IDisposable
{
    private const string UpsertItem = """
        INSERT INTO items (pk, sk, data, expires_at, revision) VALUES ($pk, $sk, $data, $exp, 1)
        ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, revision = items.revision + 1;
        """;

    private readonly SqliteWriter _writer;

    /// <summary>The group-commit writer (for tests that hold it, to see what waits behind a commit).</summary>
    internal SqliteWriter Writer => _writer;
    private readonly string _connectionString;
    private readonly string _connectionPath;
    private readonly TimeProvider _time;
    private readonly SecretCipher _cipher;
    private readonly RunStore _runs;
    private readonly IStore _store;
    private readonly RunOptions _options;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SqliteRunQueue(IOptions<StorageOptions> storage, IOptions<RunOptions> runs, IStore store, SecretCipher cipher, RunStore runStore, TimeProvider time, BluBeesMetrics metrics)
    {
        _time = time;
        _cipher = cipher;
        _runs = runStore;
        _store = store;
        _options = runs.Value;
        var path = storage.Value.SqlitePath;
        // Same file as the SQLite store when that is the store in use: then one transaction spans both tables.
        SharesStore = store is SqliteStore sqlite && string.Equals(sqlite.DatabasePath, path, StringComparison.Ordinal);
        _connectionString = SqliteFile.ConnectionString(path);
        _connectionPath = path;
        Initialize();
        StartSuspicion();
        _writer = new SqliteWriter(_connectionString, time);
        metrics.ObserveQueue(() => Stats().Depth, () => Stats().OldestAgeSeconds);
    }

    public bool SharesStore { get; }

    /// <summary>The lock a consuming worker holds on this queue's database file (<see cref="ConsumerLock"/>).</summary>
    internal ConsumerLock TakeConsumerLock() => ConsumerLock.Take(_connectionPath);

    /// <summary>Completes at the next enqueue, release or finish, so an idle worker wakes at once instead of waiting for its poll.</summary>
    public Task NextWake => Volatile.Read(ref _wake).Task;

    public static string RecordId(string messageId) => "queue/sqlite/" + messageId;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>When a lease taken at <paramref name="nowMs"/> expires (claims, renewals and hand-offs alike).</summary>
    private long LeaseUntil(long nowMs) => nowMs + (long)_options.LeaseSeconds * 1000;

    public async ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
    {
        var prepared = await PrepareAsync(message, ct);
        var claim = message.DedupKey is { } key ? new DedupClaim(TenantStore.PartitionOf(new TenantId(message.Tenant.TenantId)), Keys.Dedup(key), message.ReceivedAt + EventIngestor.DedupWindow) : null;
        var handOff = Volatile.Read(ref _handOff);
        var early = StartEarly(handOff, prepared, message);
        var leased = false;
        using var wait = AcceptWait(message.Source, ct);
        try
        {
            await _writer.RunUnlessWithdrawnAsync(w =>
            {
                if (Full(w, prepared.TenantId))
                {
                    throw new QueueFullException();
                }

                leased = early is null ? TryLease(w, handOff, prepared.TenantId) : KeepsEarlyStart(w);
                Insert(w, prepared, claim, leased);
                return true;
            }, wait.Token, _ => Committed(early, leased, accepted: true, prepared, message));
        }
        catch (Exception ex)
        {
            NotCommitted(handOff, early, leased, prepared.TenantId);
            if (ex is OperationCanceledException && wait.TimedOut(ct))
            {
                throw AcceptLockBusy();
            }

            throw;
        }

        Accepted(handOff, early, leased, prepared, message);
    }

    public async Task<EnqueueOutcome> EnqueueDedupedAsync(RunMessage message, DedupClaim claim, CancellationToken ct)
    {
        if (!SharesStore)
        {
            throw new InvalidOperationException("The queue does not share the store's database; de-duplicate through the store.");
        }

        var prepared = await PrepareAsync(message, ct);
        var markerData = StoredJson.Write(new DedupMarker(message.ReceivedAt, DedupMarker.Queued, message.Id));
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var handOff = Volatile.Read(ref _handOff);
        var early = StartEarly(handOff, prepared, message);
        var leased = false;
        EnqueueOutcome outcome;
        using var wait = AcceptWait(message.Source, ct);
        try
        {
            outcome = await _writer.RunUnlessWithdrawnAsync(w =>
            {
                if (ReadMarker(w, claim, now) is { } marker)
                {
                    if (marker.State != DedupMarker.Queued)
                    {
                        return EnqueueOutcome.AlreadyFinished;
                    }

                    if (marker.MessageId is not null && Exists(w, marker.MessageId))
                    {
                        return EnqueueOutcome.AlreadyQueued;
                    }

                    // Marked queued, yet the message is gone and the run never finished: queue it again.
                }

                if (Full(w, prepared.TenantId))
                {
                    return EnqueueOutcome.Full; // nothing written: no marker either, so Forge's retry is not taken for a duplicate
                }

                Put(w, claim.Pk, claim.Sk, markerData, claim.ExpiresAt.ToUnixTimeSeconds());
                leased = early is null ? TryLease(w, handOff, prepared.TenantId) : KeepsEarlyStart(w);
                Insert(w, prepared, claim, leased);
                return EnqueueOutcome.Accepted;
            }, wait.Token, o => Committed(early, leased && o == EnqueueOutcome.Accepted, o == EnqueueOutcome.Accepted, prepared, message));
        }
        catch (Exception ex)
        {
            NotCommitted(handOff, early, leased, prepared.TenantId);
            if (ex is OperationCanceledException && wait.TimedOut(ct))
            {
                throw AcceptLockBusy();
            }

            throw;
        }

        if (outcome == EnqueueOutcome.Accepted)
        {
            Accepted(handOff, early, leased, prepared, message);
        }

        return outcome;
    }

    /// <summary>Messages waiting or running, and the age of the oldest, in seconds.</summary>
    public (long Depth, double OldestAgeSeconds) Stats()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), MIN(enqueued_at) FROM run_queue;";
        using var reader = command.ExecuteReader();
        reader.Read();
        var depth = reader.GetInt64(0);
        var oldest = reader.IsDBNull(1) ? (double?)null : reader.GetInt64(1);
        return (depth, oldest is null ? 0 : Math.Max(0, (NowMs - oldest.Value) / 1000.0));
    }

    public void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task<PreparedMessage> PrepareAsync(RunMessage message, CancellationToken ct)
    {
        var id = message.Id ?? throw new ArgumentException("A queued message needs an id.", nameof(message));
        var tenantId = message.Tenant.TenantId;
        var json = JsonSerializer.SerializeToUtf8Bytes(message, JsonDefaults.Options);
        string body;
        try
        {
            body = await _cipher.EncryptUtf8Async(message.Tenant.Id, RecordId(id), json, ct);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(json); // the event's payload
        }

        return new PreparedMessage(id, tenantId, message.Source.ToString().ToLowerInvariant(), message.RuleId, message.ReceivedAt.ToUnixTimeMilliseconds(), body);
    }

    /// <summary>Writes the message's row: waiting, or leased to the worker (a direct hand-off, its first delivery).</summary>
    private void Insert(SqliteWriter w, PreparedMessage m, DedupClaim? claim, bool leased)
    {
        var insert = w.Command("""
            INSERT INTO run_queue (id, tenant, source, rule_id, enqueued_at, attempts, lease_until, dedup_pk, dedup_sk, body, size, installed)
            VALUES ($id, $tenant, $source, $rule, $at, $attempts, $lease, $dpk, $dsk, $body, $size,
                (SELECT CASE WHEN json_valid(data) THEN json_extract(data, '$.createdAt') END FROM items WHERE pk = $kpk AND sk = $ksk));
            """);
        insert.Parameters.AddWithValue("$kpk", TenantStore.PartitionOf(new TenantId(m.TenantId)));
        insert.Parameters.AddWithValue("$ksk", Keys.DataKey);
        insert.Parameters.AddWithValue("$size", (long)m.Body.Length); // the ciphertext is ASCII: characters are bytes
        insert.Parameters.AddWithValue("$attempts", leased ? 1 : 0);
        insert.Parameters.AddWithValue("$lease", leased ? LeaseUntil(NowMs) : DBNull.Value);
        insert.Parameters.AddWithValue("$id", m.Id);
        insert.Parameters.AddWithValue("$tenant", m.TenantId);
        insert.Parameters.AddWithValue("$source", m.Source);
        insert.Parameters.AddWithValue("$rule", (object?)m.RuleId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$at", m.EnqueuedAtMs);
        insert.Parameters.AddWithValue("$dpk", (object?)claim?.Pk ?? DBNull.Value);
        insert.Parameters.AddWithValue("$dsk", (object?)claim?.Sk ?? DBNull.Value);
        insert.Parameters.AddWithValue("$body", m.Body);
        insert.ExecuteNonQuery();
        _backlog |= !leased;
    }

    private static void Put(SqliteWriter w, string pk, string sk, string data, long? expiresAt)
    {
        var put = w.Command(UpsertItem);
        put.Parameters.AddWithValue("$pk", pk);
        put.Parameters.AddWithValue("$sk", sk);
        put.Parameters.AddWithValue("$data", data);
        put.Parameters.AddWithValue("$exp", (object?)expiresAt ?? DBNull.Value);
        put.ExecuteNonQuery();
    }

    private static DedupMarker? ReadMarker(SqliteWriter w, DedupClaim claim, long now)
    {
        var read = w.Command("SELECT data FROM items WHERE pk = $pk AND sk = $sk AND (expires_at IS NULL OR expires_at > $now);");
        read.Parameters.AddWithValue("$pk", claim.Pk);
        read.Parameters.AddWithValue("$sk", claim.Sk);
        read.Parameters.AddWithValue("$now", now);
        if (read.ExecuteScalar() is not string data)
        {
            return null;
        }

        try
        {
            return DedupMarker.Read(data);
        }
        catch (JsonException)
        {
            return new DedupMarker(default); // unreadable: treated as finished (never run an event twice on a guess)
        }
    }

    private static bool Exists(SqliteWriter w, string messageId)
    {
        var command = w.Command("SELECT 1 FROM run_queue WHERE id = $id;");
        command.Parameters.AddWithValue("$id", messageId);
        return command.ExecuteScalar() is not null;
    }

    private SqliteConnection Open() => SqliteFile.Open(_connectionString);

    public void Dispose() => _writer.Dispose();

    private sealed record PreparedMessage(string Id, string TenantId, string Source, string? RuleId, long EnqueuedAtMs, string Body);
}
