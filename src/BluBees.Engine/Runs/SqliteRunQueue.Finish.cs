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

/// <summary>Finishing messages: release with the records of stopped runs, open, complete, drop.</summary>
public sealed partial class SqliteRunQueue
{
    /// <summary>
    /// Gives a message back to the queue with the records of its stopped runs (drain: the runs were cancelled and run
    /// again on the next start, which overwrites the same records). The drain does not count as a delivery: the claim's
    /// attempt is given back and column <c>drains</c> counts the give-back instead. Written in the transaction that releases the
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
            // A drain is no failed delivery: the delivery its claim counted is given back and the drain counted on its
            // own (Runs:MaxDrains). Before, each drain used one of Runs:MaxAttempts, so a message whose run outlasted
            // the drain window on that many deploys ended delivery_exhausted without ever failing (DrainAttemptTests).
            var command = w.Command("UPDATE run_queue SET lease_until = NULL, attempts = MAX(attempts - 1, 0), drains = drains + 1 WHERE id = $id;");
            command.Parameters.AddWithValue("$id", claimed.Id);
            _backlog = true;
            var released = command.ExecuteNonQuery();
            if (released == 1 && items.Count > 0 && InstalledSince(w, claimed))
            {
                foreach (var item in items)
                {
                    Put(w, item.Pk, item.Sk, item.Data, item.ExpiresAt);
                }
            }

            return released;
        }, ct);
        EndAlone(claimed.Id);
        Wake();
    }

    /// <summary>
    /// Decrypts a claimed message. Throws <see cref="System.Security.Cryptography.CryptographicException"/> when it does
    /// not open, <see cref="FormatException"/> when it lacks a member the worker needs (<see cref="RunMessageShape"/>).
    /// </summary>
    public async Task<RunMessage> OpenAsync(ClaimedMessage claimed, CancellationToken ct)
    {
        if (_opened.TryTake(claimed.Id, claimed.TenantId, claimed.Body, out var kept))
        {
            return kept; // accepted by this process with exactly this ciphertext (OpenedMessages)
        }

        var message = RunMessageShape.Complete(await _cipher.DecryptAsync(claimed.Tenant, RecordId(claimed.Id), claimed.Body,
            static utf8 => JsonSerializer.Deserialize<RunMessage>(utf8, JsonDefaults.Tolerant), ct));
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
            if (SharesStore && queued && InstalledSince(w, claimed))
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
        _opened.Remove(claimed.Id); // finished without an open (its tenant was found gone): nothing of it stays in memory
        EndAlone(claimed.Id); // a suspect's record is written: claims resume (the worker wakes the loop for them, RunWorker.Start)
        if (_backlog)
        {
            // Something may wait for the share or slot this run held. Not otherwise: each finish of an idle worker's run
            // woke the claim loop for an empty claim transaction, whose claim held every free worker slot meanwhile, so the
            // next event's run could not start beside its accept (SqliteRunQueue.HandOff.cs). Expired leases are the
            // loop's poll's to find, as before.
            Wake();
        }
    }

    /// <summary>
    /// Whether the tenant has a data key, and it is the one of the installation that accepted the message: the key's
    /// creation time as the row recorded it at the accept (column <c>installed</c>), which no clock enters into. Before,
    /// it was only compared with the message's receipt time (a later installation's key is created after it, with a
    /// minute's leeway): a clock stepped back by more than that since the tenant's key was created (a host whose clock
    /// was ahead at the install, corrected by NTP) made every message of the tenant look like an earlier installation's,
    /// so each ran its steps and was deleted without its records (<c>ClockStepBackTests</c>). A row from a release
    /// before the column has none and keeps that comparison.
    /// </summary>
    private bool InstalledSince(SqliteWriter w, ClaimedMessage claimed)
    {
        // One statement for the key and the row's record of it (the finish runs on the writer's thread, once per run).
        var command = w.Command("SELECT data, (SELECT installed FROM run_queue WHERE id = $id) FROM items WHERE pk = $pk AND sk = $sk;");
        command.Parameters.AddWithValue("$pk", TenantStore.PartitionOf(claimed.Tenant));
        command.Parameters.AddWithValue("$sk", Keys.DataKey);
        command.Parameters.AddWithValue("$id", claimed.Id);
        string data;
        string? installed;
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read() || reader.IsDBNull(0))
            {
                return false;
            }

            data = reader.GetString(0);
            installed = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        // Parsed once per key item text (the finish runs for every message, on the writer's thread with the write lock
        // held); a changed item (a reinstall's key, a rotation) is a different text and is parsed afresh.
        var created = _keyCreated.GetOrParse(claimed.TenantId, data, Crypto.StoredDataKey.CreatedAtOf);
        if (installed is not null
            && DateTimeOffset.TryParse(installed, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var acceptedUnder)
            && created is { } keyCreated)
        {
            return keyCreated == acceptedUnder;
        }

        return !Crypto.StoredDataKey.IsLater(created, claimed.EnqueuedAt);
    }

    /// <summary>Messages accepted here, kept opened until their claim (<see cref="OpenedMessages"/>); a purge drops the tenant's.</summary>
    private readonly OpenedMessages _opened = new(OpenedCapacity, OpenedMaxCharacters);

    /// <summary>At most this many accepted messages kept opened, and this many characters of their ciphertext (16 MiB).</summary>
    internal const int OpenedCapacity = 1024;

    internal const long OpenedMaxCharacters = 16L * 1024 * 1024;

    /// <summary>Accepted messages kept opened for their claim (for tests).</summary>
    internal int OpenedKept => _opened.Count;

    /// <summary>Each tenant's key item creation time, by item text (<see cref="InstalledSince"/>); a purge drops the tenant's.</summary>
    private readonly ParsedTextCache<string, DateTimeOffset?> _keyCreated = new(1024);

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
        _opened.Remove(messageId);
        EndAlone(messageId);
        Wake();
    }
}
