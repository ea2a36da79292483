using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>The store contract against the embedded SQLite store, plus what only a file-backed store has.</summary>
public sealed class SqliteStoreTests : StoreContractTests
{
    private TempDirectory? _dir;

    protected override IStore CreateStore(FakeTimeProvider time)
    {
        _dir = new TempDirectory();
        return Open(_dir.Path, time);
    }

    protected override void ReleaseStore() => _dir?.Dispose();

    private static SqliteStore Open(string directory, TimeProvider time)
        => new(Options.Create(new StorageOptions { DataDirectory = directory }), time);

    [Test]
    public void TheDatabaseFileIsReadableByItsOwnerOnly()
    {
        var path = Path.Combine(_dir!.Path, "blubees.db");

        Assert.That(((SqliteStore)Store).DatabasePath, Is.EqualTo(path));
        Assert.That(File.Exists(path), Is.True);
        Assert.That(FileModes.Of(path), Is.EqualTo(FileModes.OwnerOnly));
    }

    [Test]
    public async Task ItemsSurviveReopeningTheFile()
    {
        await Store.PutAsync(new StoreItem("T#a", "CONN#1", "{\"kept\":true}"), Ct);

        var reopened = Open(_dir!.Path, Time);

        Assert.That(await reopened.GetAsync("T#a", "CONN#1", Ct), Is.EqualTo(new StoreItem("T#a", "CONN#1", "{\"kept\":true}", null, 1)));
    }

    [Test]
    public async Task TheDataDirectoryIsCreatedWhenMissing()
    {
        var nested = Path.Combine(_dir!.Path, "a", "b");

        var store = Open(nested, Time);
        await store.PutAsync(new StoreItem("T#a", "K", "{}"), Ct);

        Assert.That(File.Exists(Path.Combine(nested, "blubees.db")), Is.True);
    }

    [Test]
    public async Task KeysAndDataAreParametersNotSql()
    {
        const string Hostile = "x'); DROP TABLE items; --";
        await Store.PutAsync(new StoreItem(Hostile, Hostile, Hostile), Ct);

        Assert.That((await Store.GetAsync(Hostile, Hostile, Ct))!.Data, Is.EqualTo(Hostile));
        Assert.That(await Store.QueryAsync(new QueryRequest(Hostile, "x'"), Ct), Has.Property(nameof(QueryPage.Items)).Count.EqualTo(1));
    }

    [Test]
    public async Task APointReadOnAKeptConnectionSeesEveryCommitBeforeIt()
    {
        var path = ((SqliteStore)Store).DatabasePath;
        await using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        await other.OpenAsync();
        for (var i = 1; i <= 50; i++)
        {
            await Store.PutAsync(new StoreItem("T#a", "RULESTAMP", $"{{\"v\":{i}}}"), Ct);
            Assert.That((await Store.GetAsync("T#a", "RULESTAMP", Ct))!.Revision, Is.EqualTo(2 * i - 1), "the store's own write");

            // A write from another connection (another writer of the file: the queue, an operator restore).
            await using var write = other.CreateCommand();
            write.CommandText = "UPDATE items SET data = $d, revision = revision + 1 WHERE pk = 'T#a' AND sk = 'RULESTAMP';";
            write.Parameters.AddWithValue("$d", $"{{\"other\":{i}}}");
            await write.ExecuteNonQueryAsync();
            Assert.That((await Store.GetAsync("T#a", "RULESTAMP", Ct))!.Data, Is.EqualTo($"{{\"other\":{i}}}"));
        }
    }

    [Test]
    public async Task KeptReadConnectionsHoldNoReadTransactionAndCloseOnDispose()
    {
        var path = ((SqliteStore)Store).DatabasePath;
        await Store.PutAsync(new StoreItem("T#a", "CONN#1", "{}"), Ct);
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => Store.GetAsync("T#a", "CONN#1", Ct))));
        Assert.That(OpenHandles(path), Is.GreaterThan(0), "control: the reads left connections open");

        // Idle kept connections do not stop a checkpoint from copying every frame and truncating the WAL (what an
        // erase relies on, SqliteStore.Erase.cs).
        await Store.PutAsync(new StoreItem("T#a", "CONN#2", "{}"), Ct);
        await using (var checkpoint = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await checkpoint.OpenAsync();
            await using var command = checkpoint.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await using var result = await command.ExecuteReaderAsync();
            Assert.That(await result.ReadAsync(), Is.True);
            Assert.That(result.GetInt64(0), Is.Zero, "not busy: no reader pinned the WAL");
        }

        Assert.That(new FileInfo(path + "-wal").Length, Is.Zero);
        ((SqliteStore)Store).Dispose();
        Assert.That(OpenHandles(path), Is.Zero, "dispose closed the kept connections");
    }

    /// <summary>This process's open file descriptors on the database file (Linux /proc).</summary>
    private static int OpenHandles(string path)
        => Directory.GetFiles("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == path;
            }
            catch (IOException)
            {
                return false; // closed while listed
            }
        });
}
