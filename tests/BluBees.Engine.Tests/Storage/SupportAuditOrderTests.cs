using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>The support audit trail lists reads newest first even when they share a millisecond (real SQLite store).</summary>
public sealed class SupportAuditOrderTests
{
    [Test]
    public async Task Reads_in_the_same_millisecond_list_newest_first_in_the_order_they_were_made()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero)); // frozen: every read at one instant
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
        var audit = new SupportAuditStore(store, time, TimeSpan.FromDays(30));
        var tenant = new TenantId("t1");

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
}

/// <summary>Support grants list newest first even when they share a millisecond (real SQLite store).</summary>
public sealed class SupportGrantOrderTests
{
    [Test]
    public async Task Grants_made_in_the_same_millisecond_list_newest_first_in_the_order_they_were_made()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero)); // frozen: every grant at one instant
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
        var grants = new SupportGrantStore(store, time, TimeSpan.FromDays(30));
        var tenant = new TenantId("t1");

        var reasons = Enumerable.Range(1, 20).Select(i => $"INC-{i}").ToList();
        foreach (var reason in reasons)
        {
            await grants.CreateAsync(tenant, TimeSpan.FromHours(1), "557058:admin", reason, CancellationToken.None);
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
