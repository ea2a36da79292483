using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// WAL checkpoints off the commit path (<see cref="SqliteCheckpointer"/>): the group-commit writer never checkpoints
/// inside a COMMIT, the checkpoint loop copies the WAL back into the main file, at most once per spacing, and the
/// writer's pooled connection goes back to the pool with SQLite's default automatic checkpoint.
/// </summary>
public sealed class CheckpointTests
{
    private const int PageSize = 4096;
    private const int Commits = 30;
    internal const int RowsPerCommit = 100;

    [Test]
    public async Task The_writer_never_checkpoints_in_a_commit_and_the_loop_copies_the_wal_back_once_per_spacing()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "writer.db");
        var connectionString = CreateTable(path);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-04T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var writer = new SqliteWriter(connectionString, time);

        await InsertAsync(writer, 0);
        await WaitForAsync(() => writer.Checkpointer.Checkpoints == 1, "the first commit is checkpointed at once");
        var mainBefore = new FileInfo(path).Length;

        // The clock stands still: the loop waits out its spacing, so 29 more commits (about 3,000 pages) stay in the WAL.
        for (var commit = 1; commit < Commits; commit++)
        {
            await InsertAsync(writer, commit);
        }

        Assert.That(writer.Checkpointer.Checkpoints, Is.EqualTo(1), "no second checkpoint inside the spacing");
        Assert.That(new FileInfo(path + "-wal").Length, Is.GreaterThan(2_500L * PageSize),
            "the WAL kept growing past SQLite's 1,000-page automatic checkpoint: no COMMIT of the writer checkpointed");
        Assert.That(new FileInfo(path).Length, Is.EqualTo(mainBefore), "nothing was copied into the main file yet");

        // Advanced in steps of the spacing until it runs (the loop may not have armed its timer when the first step came).
        await WaitForAsync(() =>
        {
            time.Advance(SqliteCheckpointer.Spacing);
            return writer.Checkpointer.Checkpoints == 2;
        }, "the checkpoint that was due runs when the spacing has passed");
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(2_500L * PageSize), "the loop copied the WAL's pages into the main file");
    }

    [Test]
    public void Control_a_connection_with_the_automatic_checkpoint_keeps_the_wal_near_1000_pages()
    {
        // The same writes on a plain connection: SQLite checkpoints inside the COMMIT and the WAL restarts, so the
        // size check of the test above can fail.
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "plain.db");
        var connectionString = CreateTable(path);
        using (var connection = SqliteFile.Open(connectionString))
        {
            for (var commit = 0; commit < Commits; commit++)
            {
                using var tx = connection.BeginTransaction();
                Insert(connection, commit);
                tx.Commit();
            }
        }

        Assert.That(new FileInfo(path + "-wal").Length, Is.LessThan(1_500L * PageSize));
        SqliteConnection.ClearAllPools();
    }

    [Test]
    public async Task The_writer_gives_its_connection_back_to_the_pool_with_the_automatic_checkpoint_on()
    {
        using var dir = new TempDirectory();
        var connectionString = CreateTable(Path.Combine(dir.Path, "pool.db"));
        var writer = new SqliteWriter(connectionString, TimeProvider.System);
        await InsertAsync(writer, 0);
        writer.Dispose();
        Assert.DoesNotThrow(writer.Dispose, "the container disposes the queue once per service type it is registered as");

        // Every physical connection of the pool (the writer's, the checkpoint loop's, the test's own) is handed out.
        var open = Enumerable.Range(0, 4).Select(_ => SqliteFile.Open(connectionString)).ToList();
        try
        {
            foreach (var connection in open)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_autocheckpoint;";
                Assert.That(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1000));
            }
        }
        finally
        {
            open.ForEach(c => c.Dispose());
            SqliteConnection.ClearAllPools();
        }
    }

    internal static string CreateTable(string path)
    {
        var connectionString = SqliteFile.ConnectionString(path);
        using var connection = SqliteFile.Open(connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE rows (id INTEGER PRIMARY KEY, data TEXT NOT NULL);";
        command.ExecuteNonQuery();
        return connectionString;
    }

    internal static Task<int> InsertAsync(SqliteWriter writer, int commit)
        => writer.RunAsync(w =>
        {
            for (var row = 0; row < RowsPerCommit; row++)
            {
                var command = w.Command("INSERT INTO rows (id, data) VALUES ($id, $data);");
                command.Parameters.AddWithValue("$id", (commit * RowsPerCommit) + row);
                command.Parameters.AddWithValue("$data", new string('x', 3500));
                command.ExecuteNonQuery();
            }

            return RowsPerCommit;
        }, CancellationToken.None);

    private static void Insert(SqliteConnection connection, int commit)
    {
        for (var row = 0; row < RowsPerCommit; row++)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO rows (id, data) VALUES ($id, $data);";
            command.Parameters.AddWithValue("$id", (commit * RowsPerCommit) + row);
            command.Parameters.AddWithValue("$data", new string('x', 3500));
            command.ExecuteNonQuery();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(until), "timed out waiting: " + what);
            await Task.Delay(10);
        }
    }
}
