using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The group-commit writer (<see cref="SqliteWriter"/>) survives a fault of its own: the batch in progress is failed,
/// never left waiting, and the writer goes on with statements prepared again. Real SQLite file.
/// </summary>
public sealed class WriterFaultTests
{
    [Test]
    public async Task A_fault_of_the_writer_itself_fails_its_batch_and_the_writer_goes_on()
    {
        using var dir = new TempDirectory();
        var connectionString = CheckpointTests.CreateTable(Path.Combine(dir.Path, "writer.db"));
        using var writer = new SqliteWriter(connectionString, TimeProvider.System);

        // A write that fails AND breaks the statement the writer rolls a failed write back with: the rollback then
        // throws outside the per-write handling (before, that ended the writer's loop and every caller hung).
        var broken = writer.RunAsync<int>(w =>
        {
            w.Command("ROLLBACK TO w; RELEASE w;").Connection = null;
            throw new InvalidOperationException("injected");
        }, CancellationToken.None);
        Assert.That(async () => await broken.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<InvalidOperationException>().And.Not.InstanceOf<TimeoutException>());

        Assert.That(await CheckpointTests.InsertAsync(writer, 0).WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(CheckpointTests.RowsPerCommit), "the writer goes on");
        var failing = writer.RunAsync<int>(_ => throw new InvalidOperationException("an ordinary failed write"), CancellationToken.None);
        Assert.That(async () => await failing.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<InvalidOperationException>().With.Message.EqualTo("an ordinary failed write"));
        Assert.That(await CheckpointTests.InsertAsync(writer, 1).WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(CheckpointTests.RowsPerCommit), "its statements were prepared again");
        using var connection = SqliteFile.Open(connectionString);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM rows;";
        Assert.That(Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(2L * CheckpointTests.RowsPerCommit));
    }
}
