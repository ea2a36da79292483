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
        var leased = false;
        try
        {
            await _writer.RunAsync(w =>
            {
                if (Full(w, prepared.TenantId))
                {
                    throw new QueueFullException();
                }

                leased = TryLease(w, handOff, prepared.TenantId);
                Insert(w, prepared, claim, leased);
                return true;
            }, ct);
        }
        catch when (leased)
        {
            handOff!.Unreserve(prepared.TenantId);
            throw;
        }

        Accepted(handOff, leased, prepared, message);
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
        var leased = false;
        EnqueueOutcome outcome;
        try
        {
            outcome = await _writer.RunAsync(w =>
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
                leased = TryLease(w, handOff, prepared.TenantId);
                Insert(w, prepared, claim, leased);
                return EnqueueOutcome.Accepted;
            }, ct);
        }
        catch when (leased)
        {
            handOff!.Unreserve(prepared.TenantId);
            throw;
        }

        if (outcome == EnqueueOutcome.Accepted)
        {
            Accepted(handOff, leased, prepared, message);
        }

        return outcome;
    }

    /// <summary>On start: the previous process is gone, so every lease it held is reclaimed at once. Returns how many.</summary>
    public async Task<int> ReclaimAllAsync(CancellationToken ct)
    {
        _backlog = true;
        return await _writer.RunAsync(w => w.Command("UPDATE run_queue SET lease_until = NULL WHERE lease_until IS NOT NULL;").ExecuteNonQuery(), ct);
    }

    /// <summary>
    /// Leases the oldest claimable message (never leased, or its lease expired) of the next tenant after
    /// <paramref name="after"/> in tenant order (round-robin), skipping <paramref name="busyTenants"/>
    /// (tenants at their concurrency cap). Counts the delivery in <see cref="ClaimedMessage.Attempts"/>.
    /// </summary>
    public async Task<ClaimedMessage?> ClaimAsync(IReadOnlyCollection<string> busyTenants, string? after, CancellationToken ct)
    {
        var now = NowMs;
        var busy = busyTenants.ToHashSet(StringComparer.Ordinal);
        return await _writer.RunAsync(w => ClaimOne(w, tenant => !busy.Contains(tenant), static _ => { }, after, now), ct);
    }

    /// <summary>
    /// Up to <paramref name="max"/> claims in ONE write transaction, each exactly as <see cref="ClaimAsync"/> would
    /// make them one after another: round-robin from <paramref name="after"/>, and a tenant that reaches
    /// <paramref name="perTenantLimit"/> runs (counting <paramref name="inFlight"/> and the claims of this batch) is
    /// skipped for the rest of the batch. Why a batch: the worker's claim loop is serial, and each claim waits for a
    /// group commit; under concurrent ingress that wait (a few ms) capped the whole worker at one run per claim
    /// round trip, whatever its concurrency (docs/benchmarks.md, "Batched claims").
    /// </summary>
    public async Task<IReadOnlyList<ClaimedMessage>> ClaimManyAsync(
        int max, IReadOnlyDictionary<string, int> inFlight, int perTenantLimit, string? after, CancellationToken ct)
    {
        var shares = new TenantShares(perTenantLimit, inFlight);
        return await ClaimManyAsync(max, shares.TryClaim, tenant => shares.Give(tenant), after, ct);
    }

    /// <summary>
    /// Up to <paramref name="max"/> claims in one write transaction, round-robin from <paramref name="after"/>. A
    /// tenant is claimed for only when <paramref name="tryTake"/> grants it a share; it runs on the writer thread,
    /// inside the transaction, so the worker's shares are exact (<see cref="TenantShares"/>). Shares of claims that
    /// did not commit are given back with <paramref name="give"/>.
    /// </summary>
    internal async Task<IReadOnlyList<ClaimedMessage>> ClaimManyAsync(
        int max, Func<string, bool> tryTake, Action<string> give, string? after, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var now = NowMs;
        var claimed = new List<ClaimedMessage>(max);
        try
        {
            await _writer.RunAsync(w =>
            {
                var next = after;
                while (claimed.Count < max && ClaimOne(w, tryTake, give, next, now) is { } one)
                {
                    claimed.Add(one);
                    next = one.TenantId;
                }

                _backlog = AnyClaimable(w, now);
                return true;
            }, ct);
        }
        catch
        {
            claimed.ForEach(c => give(c.TenantId));
            throw;
        }

        return claimed;
    }

    /// <summary>
    /// The round-robin pick by index seeks on <c>run_queue_by_tenant</c>: the next tenant after
    /// <paramref name="after"/> (then from the first, up to and including <paramref name="after"/>) that is not busy
    /// and has a claimable message. Each step is one seek (<c>MIN(tenant) … &gt; cursor</c>), so a claim costs the
    /// tenants it passes, not the queue's depth (a GROUP BY over every queued row did, which slowed claims as a burst
    /// deepened the queue).
    /// </summary>
    private ClaimedMessage? ClaimOne(SqliteWriter w, Func<string, bool> tryTake, Action<string> give, string? after, long now)
    {
        var cursor = after ?? string.Empty;
        var wrapped = after is null;

        while (true)
        {
            var seek = wrapped && after is not null
                ? w.Command("SELECT MIN(tenant) FROM run_queue WHERE tenant > $cursor AND tenant <= $after;")
                : w.Command("SELECT MIN(tenant) FROM run_queue WHERE tenant > $cursor;");
            seek.Parameters.AddWithValue("$cursor", cursor);
            if (wrapped && after is not null)
            {
                seek.Parameters.AddWithValue("$after", after);
            }

            if (seek.ExecuteScalar() is not string tenant)
            {
                if (wrapped)
                {
                    return null;
                }

                wrapped = true;
                cursor = string.Empty;
                continue;
            }

            cursor = tenant;
            if (tryTake(tenant))
            {
                if (ClaimOldest(w, tenant, now) is { } claimed)
                {
                    return claimed;
                }

                give(tenant);
            }
        }
    }

    private ClaimedMessage? ClaimOldest(SqliteWriter w, string tenant, long now)
    {
        var claim = w.Command("""
            UPDATE run_queue SET lease_until = $until, attempts = attempts + 1
            WHERE seq = (SELECT seq FROM run_queue WHERE tenant = $tenant AND (lease_until IS NULL OR lease_until <= $now) ORDER BY seq LIMIT 1)
            RETURNING id, tenant, source, rule_id, attempts, enqueued_at, body;
            """);
        claim.Parameters.AddWithValue("$until", LeaseUntil(now));
        claim.Parameters.AddWithValue("$tenant", tenant);
        claim.Parameters.AddWithValue("$now", now);
        using var reader = claim.ExecuteReader();
        ClaimedMessage? claimed = null;
        if (reader.Read())
        {
            claimed = new ClaimedMessage(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6));
        }

        // RETURNING: the row is only written once the statement has been stepped to its end.
        while (reader.Read())
        {
        }

        return claimed;
    }

    /// <summary>Renews the lease of a message still running. Returns false when the message is no longer there.</summary>
    public async Task<bool> RenewAsync(string messageId, CancellationToken ct)
    {
        var until = LeaseUntil(NowMs);
        return await _writer.RunAsync(w =>
        {
            var command = w.Command("UPDATE run_queue SET lease_until = $until WHERE id = $id;");
            command.Parameters.AddWithValue("$until", until);
            command.Parameters.AddWithValue("$id", messageId);
            return command.ExecuteNonQuery() == 1;
        }, ct);
    }

    /// <summary>
    /// Gives a message back to the queue with the records of its stopped runs (drain: the runs were cancelled and run
    /// again on the next start, which overwrites the same records). Written in the transaction that releases the
    /// lease, and only while the message is still queued and its tenant's installation is the one that received it,
    /// as <see cref="CompleteAsync(ClaimedMessage, IReadOnlyList{RunRecord}, IReadOnlyList{Trace.RuleTraceEntry}, CancellationToken)"/> does.
    /// </summary>
    public async Task ReleaseAsync(ClaimedMessage claimed, IReadOnlyList<RunRecord> records, CancellationToken ct)
    {
        if (!SharesStore)
        {
            foreach (var stopped in records)
            {
                await _runs.WriteAsync(claimed.Tenant, stopped, ct);
            }

            await _runs.RemoveIfUninstalledAsync(claimed.Tenant, records, [], claimed.EnqueuedAt, ct);
        }

        var items = SharesStore ? records.SelectMany(r => _runs.Items(claimed.Tenant, r)).ToList() : [];
        await _writer.RunAsync(w =>
        {
            var command = w.Command("UPDATE run_queue SET lease_until = NULL WHERE id = $id;");
            command.Parameters.AddWithValue("$id", claimed.Id);
            _backlog = true;
            var released = command.ExecuteNonQuery();
            if (released == 1 && items.Count > 0 && InstalledSince(w, claimed.TenantId, claimed.EnqueuedAt))
            {
                foreach (var item in items)
                {
                    Put(w, item.Pk, item.Sk, item.Data, item.ExpiresAt);
                }
            }

            return released;
        }, ct);
        Wake();
    }

    /// <summary>Decrypts a claimed message. Throws <see cref="System.Security.Cryptography.CryptographicException"/> when it does not open.</summary>
    public async Task<RunMessage> OpenAsync(ClaimedMessage claimed, CancellationToken ct)
    {
        var plaintext = await _cipher.DecryptAsync(claimed.Tenant, RecordId(claimed.Id), claimed.Body, ct);
        var message = JsonSerializer.Deserialize<RunMessage>(plaintext, JsonDefaults.Tolerant)
            ?? throw new FormatException("The run message is empty.");
        if (!string.Equals(message.Tenant.TenantId, claimed.TenantId, StringComparison.Ordinal) || message.Id != claimed.Id)
        {
            throw new System.Security.Cryptography.CryptographicException("The run message names another tenant or message than its row.");
        }

        return message;
    }

    /// <summary>
    /// Finishes a message: writes its run records, marks its de-duplication marker finished and deletes the
    /// message, in one transaction (when the store is this SQLite file; otherwise records first, then the delete,
    /// and a replay rewrites the same records because run ids derive from the message).
    /// </summary>
    public Task CompleteAsync(ClaimedMessage claimed, IReadOnlyList<RunRecord> records, CancellationToken ct)
        => CompleteAsync(claimed, records, [], ct);

    /// <summary>
    /// Finishes a message as above, with the trace entries of the rules it reached without running them: their
    /// items join the run records' (one transaction, no commit of their own).
    /// </summary>
    public async Task CompleteAsync(ClaimedMessage claimed, IReadOnlyList<RunRecord> records, IReadOnlyList<Trace.RuleTraceEntry> misses, CancellationToken ct)
    {
        if (!SharesStore)
        {
            foreach (var run in records)
            {
                await _runs.WriteAsync(claimed.Tenant, run, ct);
            }

            await _runs.WriteTraceAsync(claimed.Tenant, misses, ct);
            if (!await _runs.RemoveIfUninstalledAsync(claimed.Tenant, records, misses, claimed.EnqueuedAt, ct)
                && await DedupOfAsync(claimed.Id, ct) is ({ } pk, { } sk))
            {
                var marker = StoredJson.Write(new DedupMarker(claimed.EnqueuedAt, DedupMarker.Finished, claimed.Id));
                await _store.PutAsync(new StoreItem(pk, sk, marker, (claimed.EnqueuedAt + EventIngestor.DedupWindow).ToUnixTimeSeconds()), ct);
            }
        }

        // Serialized before the write: the writer's transaction holds the file's write lock, so it does no JSON work.
        var items = SharesStore ? [.. records.SelectMany(r => _runs.Items(claimed.Tenant, r)), .. _runs.TraceItems(claimed.Tenant, misses)] : Array.Empty<StoreItem>();
        var finished = StoredJson.Write(new DedupMarker(claimed.EnqueuedAt, DedupMarker.Finished, claimed.Id));
        await _writer.RunAsync(w =>
        {
            var read = w.Command("SELECT dedup_pk, dedup_sk FROM run_queue WHERE id = $id;");
            read.Parameters.AddWithValue("$id", claimed.Id);
            string? dedupPk = null, dedupSk = null;
            var queued = false;
            using (var reader = read.ExecuteReader())
            {
                if (reader.Read())
                {
                    queued = true;
                    if (!reader.IsDBNull(0))
                    {
                        (dedupPk, dedupSk) = (reader.GetString(0), reader.GetString(1));
                    }
                }
            }

            // Uninstalled while it ran (the partition, data key included, is deleted in one statement on another
            // connection, then the tenant's queue rows): nothing of the tenant may be written back, not even into a
            // later installation. The checks and the writes share this transaction, which holds the file's write
            // lock, so each delete is either before all of them or after all of them.
            if (SharesStore && queued && InstalledSince(w, claimed.TenantId, claimed.EnqueuedAt))
            {
                foreach (var item in items)
                {
                    Put(w, item.Pk, item.Sk, item.Data, item.ExpiresAt);
                }

                if (dedupPk is not null)
                {
                    var finish = w.Command("UPDATE items SET data = $data, revision = revision + 1 WHERE pk = $pk AND sk = $sk;");
                    finish.Parameters.AddWithValue("$pk", dedupPk);
                    finish.Parameters.AddWithValue("$sk", dedupSk);
                    finish.Parameters.AddWithValue("$data", finished);
                    finish.ExecuteNonQuery();
                }
            }

            var delete = w.Command("DELETE FROM run_queue WHERE id = $id;");
            delete.Parameters.AddWithValue("$id", claimed.Id);
            return delete.ExecuteNonQuery();
        }, ct);
        Wake();
    }

    /// <summary>Whether the tenant has a data key, and it is the one of the installation that received work at <paramref name="receivedAt"/>.</summary>
    private static bool InstalledSince(SqliteWriter w, string tenantId, DateTimeOffset receivedAt)
    {
        var command = w.Command("SELECT data FROM items WHERE pk = $pk AND sk = $sk;");
        command.Parameters.AddWithValue("$pk", TenantStore.PartitionOf(new TenantId(tenantId)));
        command.Parameters.AddWithValue("$sk", Keys.DataKey);
        return command.ExecuteScalar() is string data && !Crypto.StoredDataKey.IsLaterInstallation(data, receivedAt);
    }

    private async Task<(string? Pk, string? Sk)> DedupOfAsync(string messageId, CancellationToken ct)
    {
        await using var connection = Open();
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT dedup_pk, dedup_sk FROM run_queue WHERE id = $id;";
        read.Parameters.AddWithValue("$id", messageId);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && !reader.IsDBNull(0) ? (reader.GetString(0), reader.GetString(1)) : (null, null);
    }

    /// <summary>Deletes a message without a run (its tenant was uninstalled: the data key is gone, nothing can run).</summary>
    public async Task DropAsync(string messageId, CancellationToken ct)
    {
        await _writer.RunAsync(w =>
        {
            var command = w.Command("DELETE FROM run_queue WHERE id = $id;");
            command.Parameters.AddWithValue("$id", messageId);
            return command.ExecuteNonQuery();
        }, ct);
        Wake();
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
        var body = await _cipher.EncryptAsync(message.Tenant.Id, RecordId(id), JsonSerializer.Serialize(message, JsonDefaults.Options), ct);
        return new PreparedMessage(id, tenantId, message.Source.ToString().ToLowerInvariant(), message.RuleId, message.ReceivedAt.ToUnixTimeMilliseconds(), body);
    }

    /// <summary>Writes the message's row: waiting, or leased to the worker (a direct hand-off, its first delivery).</summary>
    private void Insert(SqliteWriter w, PreparedMessage m, DedupClaim? claim, bool leased)
    {
        var insert = w.Command("""
            INSERT INTO run_queue (id, tenant, source, rule_id, enqueued_at, attempts, lease_until, dedup_pk, dedup_sk, body, size)
            VALUES ($id, $tenant, $source, $rule, $at, $attempts, $lease, $dpk, $dsk, $body, $size);
            """);
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

    /// <summary>
    /// The queue's messages and their stored bytes, in one scan of the small <c>run_queue_bytes</c> index (the table
    /// itself holds the bodies, up to megabytes each).
    /// </summary>
    private static (long Count, long Bytes) Totals(SqliteWriter w)
    {
        using var reader = w.Command("SELECT COUNT(*), TOTAL(size) FROM run_queue INDEXED BY run_queue_bytes;").ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), (long)reader.GetDouble(1));
    }

    /// <summary>
    /// Whether the queue takes no message of this tenant now: it is at capacity in messages or in bytes, or the tenant
    /// holds its share of either (<see cref="RunOptions.PerTenantQueuePercent"/>), or the queue is down to its reserve
    /// (<see cref="RunOptions.QueueReserve"/>, <see cref="RunOptions.QueueReserveBytes"/>) and the tenant already holds its
    /// allowance of it (<see cref="RunOptions.QueueReserveAllowance"/>: an eighth, at least one message): the reserve is
    /// for tenants with little queued, so two tenants at their share cannot fill the queue between them, and a quiet
    /// tenant's burst still gets in. The tenant's messages are counted (on its index, up to the share), and its bytes summed, only
    /// when the whole queue holds at least a share of that measure: below it no tenant can hold its share.
    /// </summary>
    private bool Full(SqliteWriter w, string tenantId)
    {
        var (queued, bytes) = Totals(w);
        if (queued >= _options.QueueCapacity || bytes >= _options.QueueCapacityBytes)
        {
            return true;
        }

        if ((queued >= _options.QueueCapacity - _options.QueueReserve || bytes >= _options.QueueCapacityBytes - _options.QueueReserveBytes)
            && HoldsReserveAllowance(w, tenantId))
        {
            return true;
        }

        var share = _options.PerTenantQueueCapacity;
        if (queued >= share)
        {
            var command = w.Command("SELECT COUNT(*) FROM (SELECT 1 FROM run_queue WHERE tenant = $tenant LIMIT $share);");
            command.Parameters.AddWithValue("$tenant", tenantId);
            command.Parameters.AddWithValue("$share", share);
            if ((long)command.ExecuteScalar()! >= share)
            {
                return true;
            }
        }

        if (bytes >= _options.PerTenantQueueBytes)
        {
            var command = w.Command("SELECT TOTAL(size) FROM run_queue INDEXED BY run_queue_bytes WHERE tenant = $tenant;");
            command.Parameters.AddWithValue("$tenant", tenantId);
            return (double)command.ExecuteScalar()! >= _options.PerTenantQueueBytes;
        }

        return false;
    }

    private bool HoldsReserveAllowance(SqliteWriter w, string tenantId)
    {
        var allowance = _options.QueueReserveAllowance;
        var command = w.Command("SELECT COUNT(*) FROM (SELECT 1 FROM run_queue WHERE tenant = $tenant LIMIT $allowance);");
        command.Parameters.AddWithValue("$tenant", tenantId);
        command.Parameters.AddWithValue("$allowance", allowance);
        if ((long)command.ExecuteScalar()! >= allowance)
        {
            return true;
        }

        var bytes = w.Command("SELECT TOTAL(size) FROM run_queue INDEXED BY run_queue_bytes WHERE tenant = $tenant;");
        bytes.Parameters.AddWithValue("$tenant", tenantId);
        return (double)bytes.ExecuteScalar()! >= _options.QueueReserveAllowanceBytes;
    }

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

    private SqliteConnection Open() => SqliteFile.Open(_connectionString);

    public void Dispose() => _writer.Dispose();

    private sealed record PreparedMessage(string Id, string TenantId, string Source, string? RuleId, long EnqueuedAtMs, string Body);
}
