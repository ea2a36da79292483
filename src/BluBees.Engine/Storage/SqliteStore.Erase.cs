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
        var rebuilt = Rebuild();
        return await EraseResidueAsync(ct) && rebuilt;
    }

    public void RebuildAtNextPurge() => Volatile.Write(ref _rebuildDue, 1);

    private bool Rebuild()
    {
        // Claimed before it runs: a delete that asks for a rebuild from here on (its rows maybe deleted after this
        // rebuild copied them) gets another one at the next purge.
        Volatile.Write(ref _rebuildDue, 0);
        if (Eraser.Rebuild())
        {
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
