using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The group-commit writer's after-commit hook (the run queue starts a handed-off run there): it runs only once the
/// write is in the file for any other connection, never for a write that failed, and a hook that throws neither fails
/// its caller nor undoes the write. Real SQLite file, a second connection as the reader.
/// </summary>
public sealed class AfterCommitTests
{
    [Test]
    public async Task The_hook_sees_its_write_committed_for_another_connection()
    {
        using var dir = new TempDirectory();
        var connectionString = CheckpointTests.CreateTable(Path.Combine(dir.Path, "writer.db"));
        using var writer = new SqliteWriter(connectionString, TimeProvider.System);
        using var reader = SqliteFile.Open(connectionString);
        long? seen = null;

        var result = await writer.RunAsync(w => Insert(w, 1), _ => seen = Count(reader), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(result, Is.EqualTo(1));
        Assert.That(seen, Is.EqualTo(1L), "another connection already reads the row inside the hook: it ran after the COMMIT");
    }

    [Test]
    public async Task A_failed_write_never_runs_its_hook_and_its_batch_mates_still_do()
    {
        using var dir = new TempDirectory();
        var connectionString = CheckpointTests.CreateTable(Path.Combine(dir.Path, "writer.db"));
        using var writer = new SqliteWriter(connectionString, TimeProvider.System);
        var hooks = 0;

        // The same id twice: the second insert fails inside its savepoint, whichever batch it lands in.
        var first = writer.RunAsync(w => Insert(w, 7), _ => Interlocked.Increment(ref hooks), CancellationToken.None);
        var second = writer.RunAsync(w => Insert(w, 7), _ => Interlocked.Increment(ref hooks), CancellationToken.None);
        var third = writer.RunAsync(w => Insert(w, 8), _ => Interlocked.Increment(ref hooks), CancellationToken.None);

        Assert.That(await first.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(7));
        Assert.That(async () => await second.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<Microsoft.Data.Sqlite.SqliteException>());
        Assert.That(await third.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(8));
        Assert.That(Volatile.Read(ref hooks), Is.EqualTo(2), "the failed write's hook did not run");
    }

    [Test]
    public async Task A_hook_that_throws_neither_fails_its_committed_caller_nor_stops_the_writer()
    {
        using var dir = new TempDirectory();
        var connectionString = CheckpointTests.CreateTable(Path.Combine(dir.Path, "writer.db"));
        using var writer = new SqliteWriter(connectionString, TimeProvider.System);

        var faulty = writer.RunAsync<int>(w => Insert(w, 3), _ => throw new InvalidOperationException("hook"), CancellationToken.None);

        Assert.That(await faulty.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(3), "the caller was answered before its hook ran: the write is committed");
        Assert.That(await writer.RunAsync(w => Insert(w, 4), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(4), "the writer goes on");
        using var reader = SqliteFile.Open(connectionString);
        Assert.That(Count(reader), Is.EqualTo(2L), "the hook's failure did not undo its write");
    }

    private static int Insert(SqliteWriter w, int id)
    {
        var command = w.Command("INSERT INTO rows (id, data) VALUES ($id, 'x');");
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
        return id;
    }

    private static long Count(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM rows;";
        return (long)command.ExecuteScalar()!;
    }
}
