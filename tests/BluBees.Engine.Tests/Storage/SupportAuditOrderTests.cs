using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The support audit trail and the support grants list newest first even when entries share a millisecond (real
/// SQLite store, a frozen clock: every entry at one instant).
/// </summary>
public sealed class SupportAuditOrderTests
{
    private static readonly TenantId Tenant = new("t1");
    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private SqliteStore _store = null!;

    [SetUp]
    public void Open()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero));
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
    }

    [TearDown]
    public void Close()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Test]
    public async Task Reads_in_the_same_millisecond_list_newest_first_in_the_order_they_were_made()
    {
        var audit = new SupportAuditStore(_store, _time, TimeSpan.FromDays(30));
        var tenant = Tenant;
        var time = _time;

        var routes = Enumerable.Range(1, 20).Select(i => $"GET /support/tenants/t1/runs/{i}").ToList();
        foreach (var route in routes)
        {
            await audit.WriteAsync(tenant, (id, at) => new SupportAuditEntry(id, at, "staff-1", null, "t1", route, new Dictionary<string, string>(), SupportAuditOutcome.Allowed, "g1", null), CancellationToken.None);
        }

        var (items, _) = await audit.ListAsync(tenant, 50, null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(items.Select(i => i.Route), Is.EqualTo(Enumerable.Reverse(routes)), "newest first, exactly");
            Assert.That(items.Select(i => i.At), Is.All.EqualTo(time.GetUtcNow()), "each entry keeps the read's own time");
            Assert.That(items.All(i => Ids.IsTimeOrdered(i.Id)), Is.True, "ids stay valid cursors");
        });
    }

    [Test]
    public async Task Grants_made_in_the_same_millisecond_list_newest_first_in_the_order_they_were_made()
    {
        var grants = new SupportGrantStore(_store, _time, TimeSpan.FromDays(30));
        var tenant = Tenant;
        var time = _time;

        var reasons = Enumerable.Range(1, 20).Select(i => $"INC-{i}").ToList();
        foreach (var reason in reasons)
        {
            // Revoked at once: a tenant holds at most SupportGrantStore.MaxActive active grants.
            var created = (await grants.CreateAsync(tenant, TimeSpan.FromHours(1), "557058:admin", reason, CancellationToken.None)).Grant!;
            await grants.RevokeAsync(tenant, created.Id, "557058:admin", CancellationToken.None);
        }

        var listed = await grants.ListAsync(tenant, 50, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(listed.Select(g => g.Reason), Is.EqualTo(Enumerable.Reverse(reasons)), "newest first, exactly");
            Assert.That(listed.Select(g => g.CreatedAt), Is.All.EqualTo(time.GetUtcNow()), "each grant keeps its own time");
            Assert.That(listed.All(g => Ids.IsTimeOrdered(g.Id)), Is.True, "ids stay valid cursors");
        });
    }
}
