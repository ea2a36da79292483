using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// WAL checkpoints for the group-commit writer, split so that the writer's callers rarely wait for one.
/// <para>SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past 1,000 pages, on the committing
/// connection: every write of that batch, and every write queued behind it, waited for the copy of the WAL into the
/// main file and its two syncs (4.6-20 ms each in the bench). The writer's connection turns it off
/// (<c>wal_autocheckpoint = 0</c>) and instead:</para>
/// <list type="number">
/// <item>after each COMMIT it calls <see cref="Committed"/>; this class's loop then runs a <c>PASSIVE</c> checkpoint
/// on a pooled connection of its own, at most once per <see cref="Spacing"/>. PASSIVE blocks neither writers nor
/// readers (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint) and syncs the WAL before it copies, so the bulk
/// of the copying happens beside the writer and, under writes, the WAL is synced about every <see cref="Spacing"/>;</item>
/// <item>the WAL file only starts over when a writer begins while every frame is already in the main file
/// (https://www.sqlite.org/wal.html#avoiding_excessively_large_wal_files). The loop cannot bring that about while
/// commits keep coming, so the writer itself, after it has answered its callers, runs a checkpoint on its own
/// connection when <see cref="RestartDue"/> (while nothing waits for it, or at once past
/// <see cref="ForcedRestartFrames"/>), and its next transaction starts the WAL over. The loop has already copied
/// most frames, so this one copies little.</item>
/// </list>
/// The store's own connections keep SQLite's automatic checkpoint as the backstop.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>The least time between two checkpoints: bounds their syncs under load, and the WAL's unsynced tail.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);

    /// <summary>WAL frames at which the writer restarts the WAL when it is idle (SQLite's automatic threshold).</summary>
    public const long RestartFrames = 1000;

    /// <summary>WAL frames (about 16 MB) at which the writer restarts the WAL even with writes waiting.</summary>
    public const long ForcedRestartFrames = 4000;

    /// <summary>Commits after which a restart is due even when no checkpoint of the loop has reported the WAL's size.</summary>
    public const int RestartCommits = 256;

    private const string Sql = "PRAGMA wal_checkpoint(PASSIVE);";

    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly Task _loop;

    private long _checkpoints;
    private long _walFrames;
    private int _commits;
    private int _disposed;

    public SqliteCheckpointer(string connectionString, TimeProvider time)
    {
        _connectionString = connectionString;
        _time = time;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Checkpoints the loop has run (for tests).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>A COMMIT of the writer added frames to the WAL: the loop's checkpoint is due (at once, or after the spacing).</summary>
    public void Committed()
    {
        Interlocked.Increment(ref _commits);
        _pending.Writer.TryWrite(true);
    }

    /// <summary>Whether the writer should restart the WAL now; <paramref name="idle"/>: no write is waiting for it.</summary>
    public bool RestartDue(bool idle)
    {
        var frames = Interlocked.Read(ref _walFrames);
        return frames >= ForcedRestartFrames || (idle && frames >= RestartFrames) || Volatile.Read(ref _commits) >= RestartCommits;
    }

    /// <summary>
    /// The writer's checkpoint, on its own connection outside any transaction (<paramref name="command"/> prepares
    /// the SQL there). When it copied every frame, the writer's next transaction starts the WAL over.
    /// </summary>
    public void Restart(Func<string, SqliteCommand> command)
    {
        Interlocked.Exchange(ref _commits, 0);
        var (complete, frames) = Run(command(Sql));
        Interlocked.Exchange(ref _walFrames, complete ? 0 : frames);
    }

    private async Task LoopAsync()
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                _pending.Reader.TryRead(out _);
                Checkpoint();
                await Task.Delay(Spacing, _time, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: the store's clean stop checkpoints and truncates the WAL.
        }
    }

    private void Checkpoint()
    {
        try
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = Sql;
            // The WAL's size, copied or not: only the writer's next transaction can start it over.
            Interlocked.Exchange(ref _walFrames, Run(command).Frames);
            Interlocked.Increment(ref _checkpoints);
        }
        catch (SqliteException)
        {
            // The file could not be opened: the next commit asks again.
        }
    }

    /// <summary>Runs one checkpoint: whether it copied every frame, and the frames in the WAL it reported.</summary>
    private (bool Complete, long Frames) Run(SqliteCommand command)
    {
        try
        {
            using var reader = command.ExecuteReader();
            // Columns: busy (1 when it could not run or not complete), frames in the WAL, frames checkpointed.
            return reader.Read()
                ? (reader.GetInt64(0) == 0 && reader.GetInt64(1) == reader.GetInt64(2), reader.GetInt64(1))
                : (false, Interlocked.Read(ref _walFrames));
        }
        catch (SqliteException)
        {
            // Busy (the other side is checkpointing) or interrupted: the next commit asks again.
            return (false, Interlocked.Read(ref _walFrames));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _pending.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
