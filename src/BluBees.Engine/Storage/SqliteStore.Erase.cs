using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// Deletion that leaves no recoverable byte in the SQLite files (crypto-shredding needs the wrapped data key gone):
/// <list type="bullet">
/// <item><c>secure_delete = ON</c> on every connection: SQLite overwrites deleted cells, freed pages and overflow
/// pages with zeros, including the old copy of a row that an update rewrote (https://www.sqlite.org/pragma.html#pragma_secure_delete).
/// <c>FAST</c> is not enough: it only zeroes what costs no extra I/O and, as the page says, leaves "forensic
/// traces on freelist pages" (a freed overflow page of a large row keeps its bytes).</item>
/// <item>A <c>wal_checkpoint(TRUNCATE)</c> after a tenant delete and on close: the WAL keeps the page images of
/// earlier commits (the row before its delete) until it is reset; TRUNCATE copies the latest pages into the main
/// file and truncates the <c>-wal</c> file to zero bytes (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint).</item>
/// </list>
/// The <c>-shm</c> file only indexes WAL frames (page numbers, salts, checksums), never row content.
/// <para><c>secure_delete</c> zeroes what SQLite deletes or frees, but not every old byte of a page: when a b-tree
/// rebalance rebuilds a page (btree.c, <c>rebuildPage</c>), the cells it keeps are written anew from the end of the page
/// and the space between the cell pointer array and them keeps what was there, copies of cells that moved to a sibling
/// among it. A row moved that way and deleted later is zeroed where it lived last, not in that stale copy: after an
/// uninstall, the tenant's id with the sort keys of its support grants and rule versions was found in the unallocated
/// space of leaf pages of <c>items</c> (a WITHOUT ROWID table, so an index b-tree, as is <c>items_expires_at</c>). So the
/// erase of an uninstall first rebuilds the file with <c>VACUUM</c> (https://www.sqlite.org/lang_vacuum.html), which
/// writes every page anew from the live rows only (<see cref="RebuildAndEraseResidueAsync"/>). A delete of a secret or a
/// rule definition while its tenant stays installed leaves the rebuild to the next retention purge
/// (<see cref="RebuildAtNextPurge"/>), so that many such deletes cost one rebuild per purge interval.</para>
/// <para>The erase runs after a tenant delete and after every delete or replacement of a secret or a rule definition
/// (connections, webhooks, rules: <see cref="ResidueErasure"/>), never after an ordinary save. Its cost to the event
/// path: a truncating checkpoint holds the write lock while it copies the frames not yet in the main file and while
/// it waits for readers still on an old snapshot, so writers (the run queue's accepts) wait meanwhile. To keep that
/// short, a <c>PASSIVE</c> checkpoint first copies what it can without blocking anyone, and the truncating one waits
/// for a lock at most <see cref="EraseBusyTimeout"/> (not the usual 5 s) before it gives up and tries again later.</para>
/// </summary>
internal sealed partial class SqliteStore : IResidueEraser, IDisposable
{
    internal const string SecureDeletePragma = "PRAGMA secure_delete = ON;";

    /// <summary>How long the truncating checkpoint of an erase waits for a lock (writers wait for it meanwhile).</summary>
    internal static readonly TimeSpan EraseBusyTimeout = SqliteFileEraser.EraseBusyTimeout;

    private int _disposed;

    // 1 while a rebuild is due: one an uninstall asked for that has not succeeded yet, or one a delete while the tenant
    // stays installed asked of the next purge (RebuildAtNextPurge).
    private int _rebuildDue;

    private SqliteFileEraser Eraser => new(_connectionString);

    /// <summary>
    /// Rebuilds the file (<c>VACUUM</c>), then erases the WAL. The rebuild holds the write lock while it copies the live
    /// rows into a temporary database (in memory: <c>temp_store = MEMORY</c>) and back, so writers wait for it (about
    /// 1 s on a 250 MB file); an uninstall asks for it at once, other deletes of the next purge. One that could not run
    /// now (the write lock busy past the busy timeout, the disk full) is retried by the next retention purge
    /// (<see cref="CompactAsync"/>).
    /// </summary>
    public async Task<bool> RebuildAndEraseResidueAsync(CancellationToken ct)
    {
        // Recorded in the file first: a rebuild that cannot run now, or a process stopped or killed before it finished,
        // leaves the request to the next purge, in this process or the next one.
        RebuildAtNextPurge();
        var rebuilt = Rebuild();
        return await EraseResidueAsync(ct) && rebuilt;
    }

    /// <summary>
    /// Asks the next purge for a rebuild, in memory and in the file (<c>rebuild_due</c>): a request kept in memory only
    /// was lost when the process stopped before that purge (a deploy, a restart, a crash), and the next process's purges
    /// rebuilt nothing until an expired item was deleted, so a stale copy of a deleted rule definition (in clear), or of
    /// what an uninstall whose rebuild could not run deleted, stayed in the file (on a quiet store for good). A process
    /// that never purges (the operator CLI) hands its request to the backend the same way.
    /// </summary>
    public void RebuildAtNextPurge()
    {
        Volatile.Write(ref _rebuildDue, 1);
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO rebuild_due (id, token) VALUES (1, $token) ON CONFLICT (id) DO UPDATE SET token = excluded.token;";
            command.Parameters.AddWithValue("$token", Guid.NewGuid().ToString("N"));
            command.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Kept in memory: this process's next purge still rebuilds.
        }
    }

    /// <summary>True when a rebuild is due: asked for in this process, or recorded in the file by any process.</summary>
    private bool RebuildDue() => Volatile.Read(ref _rebuildDue) == 1 || RebuildDueToken() is not null;

    private string? RebuildDueToken()
    {
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT token FROM rebuild_due WHERE id = 1;";
            return command.ExecuteScalar() as string;
        }
        catch (SqliteException)
        {
            return null; // read again by the next purge
        }
    }

    private bool Rebuild()
    {
        // Claimed before it runs: a delete that asks for a rebuild from here on (its rows maybe deleted after this
        // rebuild copied them) gets another one at the next purge; so does one recorded in the file meanwhile (a new
        // token, which the delete below leaves).
        var token = RebuildDueToken();
        Volatile.Write(ref _rebuildDue, 0);
        if (Eraser.Rebuild())
        {
            if (token is not null)
            {
                try
                {
                    using var connection = Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "DELETE FROM rebuild_due WHERE id = 1 AND token = $token;";
                    command.Parameters.AddWithValue("$token", token);
                    command.ExecuteNonQuery();
                }
                catch (SqliteException)
                {
                    // The request stays recorded: the next purge rebuilds once more, which costs time, not data.
                }
            }

            return true;
        }

        Volatile.Write(ref _rebuildDue, 1);
        return false;
    }

    public Task<bool> EraseResidueAsync(CancellationToken ct) => Eraser.EraseWalAsync(ct);

    /// <summary>
    /// One truncating checkpoint, waiting at most <paramref name="busyTimeout"/> for a lock (default: the connection's
    /// 5 s). True when every WAL frame was copied back and the file truncated.
    /// </summary>
    internal bool TruncateWal(TimeSpan? busyTimeout = null) => Eraser.TruncateWal(busyTimeout);

    /// <summary>A clean stop: checkpoint and truncate the WAL, then close the pooled connections of this file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        ClosePointReaders();
        try
        {
            TruncateWal();
        }
        catch (SqliteException)
        {
            // Closing the last connection below checkpoints again and removes the WAL when it can.
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        _anchor.Dispose();
    }
}
