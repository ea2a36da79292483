using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past
/// 1,000 pages, on the committing connection: for the group-commit writer that stalled every write waiting behind it
/// for the copy and its two syncs (the bench's unloaded p99 was mostly these stalls). The writer's connection turns
/// the automatic checkpoint off (<c>wal_autocheckpoint = 0</c>) and calls <see cref="Committed"/> after each COMMIT;
/// this loop then runs a <c>PASSIVE</c> checkpoint on a pooled connection of its own, at most once per
/// <see cref="Spacing"/>. A PASSIVE checkpoint never blocks writers or readers (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint),
/// so commits go on while it copies; it syncs the WAL before it copies (synchronous = NORMAL), so under load the WAL
/// is synced at least every <see cref="Spacing"/> plus the copy (docs/architecture.md, "Durability of the embedded
/// store"). The store's own connections keep SQLite's default automatic checkpoint as the backstop.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>The least time between two checkpoints: bounds their syncs under load, and the WAL's unsynced tail.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);

    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly Task _loop;
    private long _checkpoints;
    private int _disposed;

    public SqliteCheckpointer(string connectionString, TimeProvider time)
    {
        _connectionString = connectionString;
        _time = time;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Checkpoints run so far (for tests).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>A COMMIT added frames to the WAL: a checkpoint is due (at once, or when the spacing has passed).</summary>
    public void Committed() => _pending.Writer.TryWrite(true);

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
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            command.ExecuteNonQuery();
            Interlocked.Increment(ref _checkpoints);
        }
        catch (SqliteException)
        {
            // Busy or interrupted: the next commit asks again, and the store's connections keep the automatic backstop.
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
