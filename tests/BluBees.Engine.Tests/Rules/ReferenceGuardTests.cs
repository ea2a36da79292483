using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// The "being deleted" marks behind <see cref="ReferenceGuard"/>, on the real SQLite store with a fake clock: each delete
/// has its own mark (one delete taking its mark back leaves another's), and a mark left behind (a process killed between
/// the mark and its removal) stops refusing saves once it has expired. The API race: <c>Api.Tests › Concurrency ›
/// ReferenceGuardRaceTests</c>.
/// </summary>
public sealed class ReferenceGuardTests
{
    private static readonly TenantId Tenant = new("ari:cloud:ecosystem::installation/reference-guard");
    private static readonly CancellationToken Ct = CancellationToken.None;
    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private SqliteStore _store = null!;

    [SetUp]
    public async Task OpenAsync()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
        await _store.ForTenant(Tenant).PutAsync(Keys.Connection("conn_a"), "{}", Ct);
    }

    [TearDown]
    public void Close() => _dir.Dispose();

    [Test]
    public async Task One_delete_taking_its_mark_back_leaves_the_mark_of_another_delete_under_way()
    {
        var first = await ReferenceGuard.MarkAsync(_store, _time, Tenant, Keys.Connection("conn_a"), Ct);
        var second = await ReferenceGuard.MarkAsync(_store, _time, Tenant, Keys.Connection("conn_a"), Ct);
        Assert.That(first, Is.Not.EqualTo(second));

        await ReferenceGuard.UnmarkAsync(_store, Tenant, first);
        Assert.That(await ReferenceGuard.UsableAsync(_store, Tenant, Keys.Connection("conn_a"), Ct), Is.False, "the second delete is still under way");

        await ReferenceGuard.UnmarkAsync(_store, Tenant, second);
        Assert.That(await ReferenceGuard.UsableAsync(_store, Tenant, Keys.Connection("conn_a"), Ct), Is.True);
    }

    [Test]
    public async Task A_mark_left_behind_stops_counting_once_it_has_expired()
    {
        await ReferenceGuard.MarkAsync(_store, _time, Tenant, Keys.Connection("conn_a"), Ct); // never taken back: the process was killed

        _time.Advance(ReferenceGuard.MarkLifetime - TimeSpan.FromSeconds(1));
        Assert.That(await ReferenceGuard.UsableAsync(_store, Tenant, Keys.Connection("conn_a"), Ct), Is.False, "a delete could still be under way");

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(await ReferenceGuard.UsableAsync(_store, Tenant, Keys.Connection("conn_a"), Ct), Is.True, "no delete takes that long: the connection is usable again");
    }

    [Test]
    public async Task Marks_of_other_items_do_not_count()
    {
        await _store.ForTenant(Tenant).PutAsync(Keys.Connection("conn_ab"), "{}", Ct);
        await ReferenceGuard.MarkAsync(_store, _time, Tenant, Keys.Connection("conn_ab"), Ct);
        Assert.That(await ReferenceGuard.UsableAsync(_store, Tenant, Keys.Connection("conn_a"), Ct), Is.True, "conn_ab's delete is not conn_a's");
        Assert.That(await ReferenceGuard.UsableAsync(_store, Tenant, Keys.Connection("conn_missing"), Ct), Is.False, "a missing item is never usable");
    }
}
