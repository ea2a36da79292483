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

        // The refused open's connection went back to the pool read-only: it would stay so until the pool prunes it.
        SqliteConnection.ClearAllPools();
        await store.PutAsync(new StoreItem("P", "c", "{}"), default);
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
