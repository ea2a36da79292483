using System.Diagnostics;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// What an erase (truncating checkpoint, run after every delete or replacement of a secret or rule definition) costs
/// the writers beside it, on a file of some thousands of rows: it completes, and writers wait for it at most about its
/// lock timeout (<see cref="SqliteStore.EraseBusyTimeout"/>), even while a reader holds an old snapshot for longer
/// (the erase then gives up, releases the write lock, and succeeds once the reader is gone).
/// </summary>
public sealed class EraseCostTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Test]
    public async Task Writers_wait_at_most_about_the_erase_lock_timeout_even_behind_a_long_reader()
    {
        using var dir = new TempDirectory();
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), new FakeTimeProvider(DateTimeOffset.UtcNow));
        var filler = new string('x', 800);
        for (var i = 0; i < 5000; i++)
        {
            await store.PutAsync(new StoreItem("T#t" + (i % 50), "ROW#" + i, "{\"v\":\"" + filler + i + "\"}"), Ct);
        }

        var (baseline, _) = await WritersDuringAsync(store, async () => await Task.Delay(1000));
        var erases = new List<double>();
        var (duringErases, _) = await WritersDuringAsync(store, async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var started = Stopwatch.GetTimestamp();
                Assert.That(await store.EraseResidueAsync(Ct), Is.True);
                erases.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(50);
            }
        });

        // A reader on an old snapshot for 1.5 s: a truncating checkpoint waiting for it with the usual 5 s timeout
        // would hold the write lock (and every writer) that long.
        var (behindReader, erased) = await WritersDuringAsync(store, async () =>
        {
            await using var reader = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
            await reader.OpenAsync();
            await using (var begin = reader.CreateCommand())
            {
                begin.CommandText = "BEGIN; SELECT COUNT(*) FROM items;";
                await begin.ExecuteScalarAsync();
            }

            var erase = store.EraseResidueAsync(Ct);
            await Task.Delay(1500);
            await using (var end = reader.CreateCommand())
            {
                end.CommandText = "COMMIT;";
                await end.ExecuteNonQueryAsync();
            }

            return await erase;
        });

        await TestContext.Out.WriteLineAsync($"erase ms: median {Median(erases):F1}, max {erases.Max():F1}; writer max wait ms: idle {baseline.Max():F1}, during erases {duringErases.Max():F1}, behind a 1.5 s reader {behindReader.Max():F1}; writes {baseline.Count}/{duringErases.Count}/{behindReader.Count}");
        Assert.That(erased, Is.True, "the erase succeeded once the reader was gone");
        Assert.That(File.Exists(store.DatabasePath + "-wal") ? new FileInfo(store.DatabasePath + "-wal").Length : 0, Is.LessThan(1_000_000));
        Assert.That(behindReader.Max(), Is.LessThan(1000), "writers never waited for the long reader through the erase");
        Assert.That(duringErases.Max(), Is.LessThan(1000));
    }

    private static async Task<(List<double> Waits, T Result)> WritersDuringAsync<T>(SqliteStore store, Func<Task<T>> action)
    {
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var waits = new List<double>();
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await store.PutAsync(new StoreItem("T#w", "ROW#" + (n++ % 200), "{\"n\":" + n + "}"), Ct);
                waits.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(2);
            }

            return waits;
        });
        var result = await action();
        await stop.CancelAsync();
        return (await writer, result);
    }

    private static Task<(List<double> Waits, bool Result)> WritersDuringAsync(SqliteStore store, Func<Task> action)
        => WritersDuringAsync(store, async () =>
        {
            await action();
            return true;
        });

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
