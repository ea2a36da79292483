using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// Point reads (<see cref="GetAsync"/>) on a few connections kept open with their statement prepared. The event path
/// makes about three per event (the tenant's rule-list stamp at the ingress and in the worker, the connection of the
/// HTTP step); taking a pooled connection, creating a command and preparing its SQL again for each cost more than the
/// read itself. A kept connection holds no transaction between reads (the reader is disposed, which resets the
/// statement), so checkpoints, the WAL truncation of an erase and other writers see it as idle; each read is its own
/// read transaction and sees every commit before it. The connections are opened like every other
/// (<see cref="SqliteFile.Open"/>: the same pragmas, <c>secure_delete</c> included) and closed on dispose.
/// </summary>
internal sealed partial class SqliteStore
{
    private const int MaxPointReaders = 8;
    private readonly ConcurrentBag<PointReader> _pointReaders = [];

    private StoreItem? PointRead(string pk, string sk)
    {
        // Not Open(): a reader is kept for later reads, which must not inherit one accept's bound (StoreWriteWait).
        var reader = _pointReaders.TryTake(out var kept) ? kept : new PointReader(SqliteFile.Open(_connectionString));
        StoreItem? item;
        try
        {
            item = reader.Read(pk, sk, Now);
        }
        catch
        {
            reader.Dispose(); // a connection that failed a read is not reused
            throw;
        }

        // A connection opened read-only (the file could not be written when it was opened) serves this read only.
        if (reader.ReadOnly || _pointReaders.Count >= MaxPointReaders || Volatile.Read(ref _disposed) == 1)
        {
            reader.Dispose();
        }
        else
        {
            _pointReaders.Add(reader);
            if (Volatile.Read(ref _disposed) == 1)
            {
                ClosePointReaders(); // Dispose ran while this read was in progress
            }
        }

        return item;
    }

    private void ClosePointReaders()
    {
        while (_pointReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private sealed class PointReader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command;
        private readonly SqliteParameter _pk;
        private readonly SqliteParameter _sk;
        private readonly SqliteParameter _now;

        public PointReader(SqliteConnection connection)
        {
            _connection = connection;
            ReadOnly = SqliteFile.OpenedReadOnly(connection);
            _command = connection.CreateCommand();
            _command.CommandText = $"SELECT {Columns} FROM items WHERE pk = $pk AND sk = $sk AND (expires_at IS NULL OR expires_at > $now);";
            _pk = _command.Parameters.Add("$pk", SqliteType.Text);
            _sk = _command.Parameters.Add("$sk", SqliteType.Text);
            _now = _command.Parameters.Add("$now", SqliteType.Integer);
        }

        /// <summary>SQLite opened the file read-only for this connection: it is not kept (<see cref="SqliteFile.Open"/>).</summary>
        public bool ReadOnly { get; }

        public StoreItem? Read(string pk, string sk, long now)
        {
            _pk.Value = pk;
            _sk.Value = sk;
            _now.Value = now;
            using var reader = _command.ExecuteReader();
            return reader.Read() ? SqliteStore.Read(reader) : null;
        }

        public void Dispose()
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }
}
