using BluBees.Engine.Storage;
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
}
