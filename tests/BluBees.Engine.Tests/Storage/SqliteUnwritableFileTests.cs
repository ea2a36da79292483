using System.Diagnostics;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The database file made unwritable (here immutable, <c>chattr +i</c>, which binds root too; a file made read-only
/// or a volume remounted read-only acts alike for SQLite, which then opens the file read-only without an error):
/// under a running store the health probe fails while a read would still succeed and every write fails; at start the
/// store is not opened at all (<see cref="StoreOpenException"/>), so the backend stops before it serves anything.
/// </summary>
[NonParallelizable]
public sealed class SqliteUnwritableFileTests
{
    [Test]
    public async Task An_unwritable_file_fails_the_probe_while_running_and_the_open_at_start()
    {
        using var dir = new TempDirectory();
        var options = Options.Create(new StorageOptions { DataDirectory = dir.Path });
        var store = new SqliteStore(options, new FakeTimeProvider());
        await store.PutAsync(new StoreItem("P", "a", "{}"), default);
        await store.ProbeAsync(default);
        string[] files = [options.Value.SqlitePath, options.Value.SqlitePath + "-wal"];
        try
        {
            await ChattrAsync("+i", files);

            Assert.That(await store.GetAsync("P", "a", default), Is.Not.Null, "reads still succeed");
            Assert.That(() => store.PutAsync(new StoreItem("P", "b", "{}"), default), Throws.InstanceOf<SqliteException>(), "every write fails");
            Assert.That(() => store.ProbeAsync(default), Throws.InstanceOf<IOException>(), "before, the probe succeeded: SQLite opened the file read-only");

            SqliteConnection.ClearAllPools();
            Assert.That(() => new SqliteStore(options, new FakeTimeProvider()), Throws.InstanceOf<StoreOpenException>(), "a start on such a file stops at once");
        }
        finally
        {
            await ChattrAsync("-i", files);
        }

        // The connections opened read-only (the read's, the refused open's) did not go back to the pool: writable again,
        // the next write succeeds at once (before, it drew one of them and failed until the pool pruned it).
        await store.PutAsync(new StoreItem("P", "c", "{}"), default);
        await store.ProbeAsync(default);
        SqliteConnection.ClearAllPools();
    }

    /// <summary>
    /// Connections opened while the file could only be opened read-only — by reads (point reads and queries, which
    /// succeed) and by writes (which fail, SQLite code 8, a 503) — do not stay in the pool: once the file is writable
    /// again every write succeeds, one after another and several at once, without clearing the pool or waiting for
    /// it to prune. Before, SQLite's read-only connections went back to the pool and the writes that drew them failed.
    /// </summary>
    [Test]
    public async Task Once_the_file_is_writable_again_every_write_succeeds()
    {
        using var dir = new TempDirectory();
        var options = Options.Create(new StorageOptions { DataDirectory = dir.Path });
        var store = new SqliteStore(options, new FakeTimeProvider());
        await store.PutAsync(new StoreItem("P", "a", "{}"), default);
        string[] files = [options.Value.SqlitePath, options.Value.SqlitePath + "-wal"];
        try
        {
            await ChattrAsync("+i", files);

            // Several at once, so that several physical connections are opened while the file is read-only.
            var reads = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                var item = await store.GetAsync("P", "a", default);
                var page = await store.QueryAsync(new QueryRequest("P", string.Empty), default);
                return item is not null && page.Items.Count == 1;
            })).ToList();
            var writes = Enumerable.Range(0, 4).Select(i => Task.Run(() => store.PutAsync(new StoreItem("P", "during" + i, "{}"), default))).ToList();
            Assert.That(await Task.WhenAll(reads), Is.All.True, "reads succeed while the file cannot be written");
            foreach (var write in writes)
            {
                var error = await Assert.CatchAsync<SqliteException>(async () => await write);
                Assert.That(error!.SqliteErrorCode & 0xFF, Is.EqualTo(8).Or.EqualTo(10), "SQLITE_READONLY or SQLITE_IOERR: the API answers both 503");
            }
        }
        finally
        {
            await ChattrAsync("-i", files);
        }

        for (var i = 0; i < 8; i++)
        {
            await store.PutAsync(new StoreItem("P", "after" + i, "{}"), default);
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.PutAsync(new StoreItem("P", "together" + i, "{}"), default))));
        await store.PutManyAsync([new StoreItem("P", "many0", "{}"), new StoreItem("P", "many1", "{}")], default);
        Assert.That(await store.GetAsync("P", "after7", default), Is.Not.Null, "a point read sees the writes");
        Assert.That((await store.QueryAsync(new QueryRequest("P", string.Empty), default)).Items, Has.Count.EqualTo(19));
        await store.ProbeAsync(default);
        SqliteConnection.ClearAllPools();
    }

    private static async Task ChattrAsync(string flag, string[] files)
    {
        var info = new ProcessStartInfo("chattr") { RedirectStandardError = true };
        info.ArgumentList.Add(flag);
        foreach (var path in files.Where(File.Exists))
        {
            info.ArgumentList.Add(path);
        }

        using var chattr = Process.Start(info)!;
        var error = await chattr.StandardError.ReadToEndAsync();
        await chattr.WaitForExitAsync();
        Assert.That(chattr.ExitCode, Is.Zero, $"chattr {flag} (root, on a file system with the immutable flag): {error}");
    }
}
