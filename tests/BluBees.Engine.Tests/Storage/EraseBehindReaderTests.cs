using System.Diagnostics;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The erase (truncating checkpoint, run after every delete or replacement of a secret or rule definition) on a file
/// of some thousands of rows with a writer running beside it: every erase succeeds, and one started while a reader
/// holds an old snapshot gives up its lock after <see cref="SqliteStore.EraseBusyTimeout"/>, retries, and succeeds
/// once the reader is gone, leaving the WAL empty. (What it costs the writers is timed by hand, not asserted here:
/// 4 ms median per erase on 5,000 rows, writers waiting at most 8 ms beside it and 106 ms behind a 1.5 s reader,
/// 2026-12-04; docs/security.md.)
/// </summary>
public sealed class EraseBehindReaderTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Test]
    public async Task Erases_beside_a_writer_succeed_and_one_behind_a_long_reader_completes_once_it_is_gone()
    {
        using var dir = new TempDirectory();
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), new FakeTimeProvider(DateTimeOffset.UtcNow));
        var filler = new string('x', 800);
        for (var i = 0; i < 5000; i++)
        {
            await store.PutAsync(new StoreItem("T#t" + (i % 50), "ROW#" + i, "{\"v\":\"" + filler + i + "\"}"), Ct);
        }

        var (_, _) = await WritersDuringAsync(store, async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.That(await store.EraseResidueAsync(Ct), Is.True, $"erase {i}");
                await Task.Delay(50);
            }
        });

        // A reader on an old snapshot for 1.5 s: a truncating checkpoint waiting for it with the usual 5 s timeout
        // would hold the write lock (and every writer) that long.
        var (written, erased) = await WritersDuringAsync(store, async () =>
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

        Assert.That(erased, Is.True, "the erase succeeded once the reader was gone");
        Assert.That(File.Exists(store.DatabasePath + "-wal") ? new FileInfo(store.DatabasePath + "-wal").Length : 0, Is.LessThan(1_000_000));
        Assert.That(written, Is.Not.Empty, "the writer beside it kept writing");
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

}
