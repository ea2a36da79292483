using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// A tenant-scoped store sees and changes its own partition only, on the real SQLite store. The neighbours are
/// chosen to tempt a prefix bug: tenant "t10" (whose id starts with "t1"), and the directory partition whose
/// sort keys look like tenant partition keys.
/// </summary>
public sealed class TenantStoreTests
{
    private static CancellationToken Ct => CancellationToken.None;

    private TempDirectory _dir = null!;
    private IStore _raw = null!;
    private TenantStore _t1 = null!;

    [SetUp]
    public async Task SeedNeighboursAsync()
    {
        _dir = new TempDirectory();
        _raw = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(55)));
        _t1 = _raw.ForTenant(new TenantId("t1"));
        foreach (var pk in new[] { Keys.Tenant("t1"), Keys.Tenant("t10"), Keys.DirectoryPk })
        {
            await _raw.PutAsync(new StoreItem(pk, Keys.Connection("c1"), $$"""{"owner":"{{pk}}"}"""), Ct);
        }

        await _raw.PutAsync(new StoreItem(Keys.Tenant("t10"), Keys.Connection("only-t10"), "{}"), Ct);
        await _raw.PutAsync(new StoreItem(Keys.DirectoryPk, Keys.DirectoryEntry("t1"), "{}"), Ct);
    }

    [TearDown]
    public void Release() => _dir.Dispose();

    [Test]
    public async Task ReadsOnlyItsOwnPartition()
    {
        Assert.That((await _t1.GetAsync(Keys.Connection("c1"), Ct))!.Data, Is.EqualTo($$"""{"owner":"{{Keys.Tenant("t1")}}"}"""));
        Assert.That(await _t1.GetAsync(Keys.Connection("only-t10"), Ct), Is.Null);
        Assert.That(await _t1.GetAsync(Keys.DirectoryEntry("t1"), Ct), Is.Null);
    }

    [Test]
    public async Task QueriesOnlyItsOwnPartitionInEitherOrder()
    {
        var all = await _t1.QueryAsync(new TenantQuery(string.Empty) { Limit = 1000 }, Ct);
        var descending = await _t1.QueryAsync(new TenantQuery(string.Empty) { Descending = true }, Ct);

        Assert.That(all.Items.Select(i => (i.Pk, i.Sk)), Is.EqualTo(new[] { (Keys.Tenant("t1"), Keys.Connection("c1")) }));
        Assert.That(descending.Items.Select(i => i.Pk), Is.EqualTo(new[] { Keys.Tenant("t1") }));
    }

    [Test]
    public async Task WritesLandInItsOwnPartitionOnly()
    {
        await _t1.PutAsync(Keys.Connection("new"), "{}", Ct);
        Assert.That(await _t1.PutIfAbsentAsync(Keys.Connection("only-t10"), "{}", Ct), Is.True, "t10's item does not make the key taken in t1");

        Assert.That(await _raw.GetAsync(Keys.Tenant("t1"), Keys.Connection("new"), Ct), Is.Not.Null);
        Assert.That(await _raw.GetAsync(Keys.Tenant("t10"), Keys.Connection("new"), Ct), Is.Null);
        Assert.That(await _raw.GetAsync(Keys.DirectoryPk, Keys.Connection("new"), Ct), Is.Null);
        Assert.That((await _raw.GetAsync(Keys.Tenant("t10"), Keys.Connection("only-t10"), Ct))!.Revision, Is.EqualTo(1));
    }

    [Test]
    public async Task AnItemOfAnotherPartitionIsRefusedAndNothingIsWritten()
    {
        var foreign = _raw.ForTenant(new TenantId("t10")).Item(Keys.Connection("c1"), """{"overwritten":true}""");
        var directory = new StoreItem(Keys.DirectoryPk, Keys.Connection("c1"), """{"overwritten":true}""");

        foreach (var item in new[] { foreign, directory })
        {
            Assert.That(() => _t1.PutAsync(item, Ct), Throws.ArgumentException);
            Assert.That(() => _t1.PutIfAbsentAsync(item, Ct), Throws.ArgumentException);
            Assert.That(() => _t1.PutIfRevisionAsync(item, 1, Ct), Throws.ArgumentException);
        }

        Assert.That((await _raw.GetAsync(Keys.Tenant("t10"), Keys.Connection("c1"), Ct))!.Data, Does.Not.Contain("overwritten"));
        Assert.That((await _raw.GetAsync(Keys.DirectoryPk, Keys.Connection("c1"), Ct))!.Data, Does.Not.Contain("overwritten"));
    }

    [Test]
    public async Task AnItemReadFromItsPartitionCanBeWrittenBack()
    {
        var item = (await _t1.GetAsync(Keys.Connection("c1"), Ct))!;

        Assert.That(await _t1.PutIfRevisionAsync(item with { Data = """{"changed":true}""" }, item.Revision, Ct), Is.True);
        Assert.That((await _raw.GetAsync(Keys.Tenant("t1"), Keys.Connection("c1"), Ct))!.Data, Is.EqualTo("""{"changed":true}"""));
    }

    [Test]
    public async Task DeletesOnlyInItsOwnPartition()
    {
        Assert.That(await _t1.DeleteAsync(Keys.Connection("only-t10"), Ct), Is.False);
        Assert.That(await _t1.DeleteAsync(Keys.DirectoryEntry("t1"), Ct), Is.False);
        Assert.That(await _t1.DeleteAsync(Keys.Connection("c1"), Ct), Is.True);

        Assert.That(await _raw.GetAsync(Keys.Tenant("t10"), Keys.Connection("only-t10"), Ct), Is.Not.Null);
        Assert.That(await _raw.GetAsync(Keys.Tenant("t10"), Keys.Connection("c1"), Ct), Is.Not.Null);
        Assert.That(await _raw.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry("t1"), Ct), Is.Not.Null);
    }

    [Test]
    public async Task DeletingEverythingLeavesTheNeighbours()
    {
        Assert.That(await _t1.DeleteAllAsync(Ct), Is.EqualTo(1));

        Assert.That((await _raw.QueryAsync(new QueryRequest(Keys.Tenant("t1"), string.Empty), Ct)).Items, Is.Empty);
        Assert.That((await _raw.QueryAsync(new QueryRequest(Keys.Tenant("t10"), string.Empty), Ct)).Items, Has.Count.EqualTo(2));
        Assert.That((await _raw.QueryAsync(new QueryRequest(Keys.DirectoryPk, string.Empty), Ct)).Items, Has.Count.EqualTo(2));
    }

    [Test]
    public void TheVerifiedTenantNamesThePartition()
    {
        var tenant = new TenantContext("t1", "cloud", null);

        Assert.That(_raw.ForTenant(tenant.Id).Partition, Is.EqualTo(Keys.Tenant("t1")));
        Assert.That(_raw.ForTenant(tenant.Id).Tenant, Is.EqualTo(new TenantId("t1")));
    }

    [Test]
    public void ThereIsNoScopeWithoutATenant()
    {
        Assert.That(() => new TenantId(""), Throws.ArgumentException);
        Assert.That(() => new TenantId(null!), Throws.ArgumentNullException);
        Assert.That(() => _raw.ForTenant(default), Throws.ArgumentException);
    }
}
