using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// Group commit for the run queue: ONE connection writes, and every write waiting when it is free goes into the same
/// transaction (up to <see cref="MaxBatch"/>), each in its own savepoint so that one failing write rolls back only
/// itself. A caller's task completes only after the COMMIT that contains its write returned, so "accepted" still
/// means "in the database" (durable against a process crash at once; against a power loss see
/// docs/architecture.md, "Durability of the embedded store"). The wait is bounded by the batch in progress: a write
/// arriving while the file is idle starts its own transaction at once (no timer), one arriving during a commit
/// joins the next one. Before, every accept, claim and finish opened its own transaction and the connections queued
/// for SQLite's write lock, whose busy handler sleeps in steps of milliseconds; now they queue in memory.
/// Statements are prepared once per connection and reused. The writer's connection never checkpoints inside a
/// COMMIT: <see cref="SqliteCheckpointer"/> copies beside it, and the writer restarts the WAL between batches.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    public const int MaxBatch = 64;
    private readonly Channel<IWrite> _writes = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly SqliteConnection _connection;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly Task _loop;
    private int _disposed;
    private int _queued; // writes in the channel (its single-reader form cannot count them)
    private long _submitted;

    public SqliteWriter(string connectionString, TimeProvider time)
    {
        _connection = SqliteFile.Open(connectionString);
        if (SqliteFile.OpenedReadOnly(_connection))
        {
            // Kept for the writer's whole life: a connection SQLite opened read-only would fail every write after
            // the file is writable again. The start fails instead, as the store's own open does on such a file.
            _connection.Dispose();
            throw new SqliteException("The file of the embedded store cannot be written (SQLite opened it or its WAL read-only).", 8);
        }

        Execute("PRAGMA wal_autocheckpoint = 0;");
        _checkpointer = new SqliteCheckpointer(connectionString, time);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Writes in the channel, not yet taken into a batch.</summary>
    internal int Queued => Volatile.Read(ref _queued);

    /// <summary>
    /// Writes handed to the writer since it opened, counting up (for tests: a write has reached the writer even when the
    /// writer took it into a batch at once, which <see cref="Queued"/> cannot show).
    /// </summary>
    internal long Submitted => Interlocked.Read(ref _submitted);

    /// <summary>The writer's checkpoint loop (for tests).</summary>
    internal SqliteCheckpointer Checkpointer => _checkpointer;

    /// <summary>Runs <paramref name="write"/> in the next group transaction; completes after its COMMIT.</summary>
    public Task<T> RunAsync<T>(Func<SqliteWriter, T> write, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var item = new Write<T>(write);
        Interlocked.Increment(ref _queued);
        Interlocked.Increment(ref _submitted);
        if (!_writes.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(SqliteWriter));
        }

        return item.Task;
    }

    /// <summary>
    /// As <see cref="RunAsync{T}"/>, but <paramref name="ct"/> also withdraws the write while it still waits for its
    /// transaction (behind a batch in progress, or for the write lock another process holds): then it never runs and
    /// the task is cancelled. Once its transaction has begun it runs and commits (or fails) as any write, whatever
    /// <paramref name="ct"/> does meanwhile. So a caller that stops waiting knows that nothing of the write was kept.
    /// <paramref name="committed"/>, when given, is called on the writer's thread right after that COMMIT, with the
    /// write's result, before the caller's task completes (never when the write failed or was withdrawn); it must not
    /// throw and must not block.
    /// </summary>
    public Task<T> RunUnlessWithdrawnAsync<T>(Func<SqliteWriter, T> write, CancellationToken ct, Action<T>? committed = null)
    {
        ct.ThrowIfCancellationRequested();
        var item = new Write<T>(write, committed);
        item.WithdrawOn(ct);
        Interlocked.Increment(ref _queued);
        Interlocked.Increment(ref _submitted);
        if (!_writes.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            item.Complete();
            throw new ObjectDisposedException(nameof(SqliteWriter));
        }

        return item.Task;
    }

    /// <summary>A prepared command of the writer's connection for <paramref name="sql"/>, its parameters cleared.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    private async Task LoopAsync()
    {
        var batch = new List<IWrite>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            Interlocked.Add(ref _queued, -batch.Count);

            try
            {
                Commit(batch);
            }
            catch (Exception ex)
            {
                // Not a failed write (Commit answers those) but a fault of the writer itself, a bug or a broken
                // statement: no caller may be left waiting and the writer must not stop, or every later accept would
                // hang. Callers already answered keep their answer (the completions are one-shot).
                batch.ForEach(w => w.Fail(ex));
                Recover();
            }
        }
    }

    /// <summary>After a fault of the writer: every prepared statement is dropped and any open transaction rolled back.</summary>
    private void Recover()
    {
        foreach (var command in _prepared.Values)
        {
            try
            {
                command.Dispose();
            }
            catch (Exception)
            {
                // Disposing a broken statement: nothing left to release.
            }
        }

        _prepared.Clear();
        try
        {
            Execute("ROLLBACK;");
        }
        catch (Exception)
        {
            // No transaction was open.
        }
    }

    private void Commit(List<IWrite> batch)
    {
        try
        {
            Execute("BEGIN IMMEDIATE;");
        }
        catch (Exception ex)
        {
            batch.ForEach(w => w.Fail(ex));
            return;
        }

        var done = new List<IWrite>(batch.Count);
        foreach (var write in batch)
        {
            if (!write.TryStart())
            {
                continue; // withdrawn by its caller before its transaction began: it never runs
            }

            try
            {
                Execute("SAVEPOINT w;");
                write.Execute(this);
                Execute("RELEASE w;");
                done.Add(write);
            }
            catch (Exception ex)
            {
                try
                {
                    Execute("ROLLBACK TO w; RELEASE w;");
                }
                catch (SqliteException)
                {
                    // The transaction itself is gone (SQLite rolled it back): COMMIT below fails and reports it.
                }

                write.Fail(ex);
            }
        }

        try
        {
            Execute("COMMIT;");
        }
        catch (Exception ex)
        {
            try
            {
                Execute("ROLLBACK;");
            }
            catch (SqliteException)
            {
            }

            done.ForEach(w => w.Fail(ex));
            return;
        }

        _checkpointer.Committed();
        done.ForEach(w => w.Complete());
        if (_checkpointer.RestartDue(idle: Volatile.Read(ref _queued) == 0))
        {
            _checkpointer.Restart(Command);
        }
    }

    private void Execute(string sql) => Command(sql).ExecuteNonQuery();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // the queue is registered under several service types, so the container may dispose it twice
        }

        _writes.Writer.TryComplete();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        _checkpointer.Dispose();
        try
        {
            // The connection goes back to the shared pool: the next user gets SQLite's default automatic checkpoint.
            Execute("PRAGMA wal_autocheckpoint = 1000;");
        }
        catch (SqliteException)
        {
        }

        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private interface IWrite
    {
        /// <summary>False when the caller withdrew the write (<see cref="RunUnlessWithdrawnAsync{T}"/>); it must not run.</summary>
        bool TryStart();

        void Execute(SqliteWriter writer);

        void Complete();

        void Fail(Exception ex);
    }

    private sealed class Write<T>(Func<SqliteWriter, T> write, Action<T>? committed = null) : IWrite
    {
        private const int Waiting = 0, Started = 1, Withdrawn = 2;
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private int _state;
        private CancellationTokenRegistration _withdraw;

        public Task<T> Task => _done.Task;

        /// <summary>Withdraws the write when <paramref name="ct"/> is cancelled before the writer started it.</summary>
        public void WithdrawOn(CancellationToken ct)
        {
            if (ct.CanBeCanceled)
            {
                _withdraw = ct.UnsafeRegister(static (state, token) => ((Write<T>)state!).Withdraw(token), this);
            }
        }

        private void Withdraw(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Waiting) == Waiting)
            {
                _done.TrySetCanceled(token);
            }
        }

        public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Waiting) == Waiting;

        public void Execute(SqliteWriter writer) => _result = write(writer);

        public void Complete()
        {
            _withdraw.Dispose();
            if (committed is not null)
            {
                try
                {
                    committed(_result);
                }
                catch (Exception)
                {
                    // A fault here must not leave this batch's other callers unanswered (the COMMIT stands for them all).
                }
            }

            _done.TrySetResult(_result);
        }

        public void Fail(Exception ex)
        {
            _withdraw.Dispose();
            _done.TrySetException(ex);
        }
    }
}
