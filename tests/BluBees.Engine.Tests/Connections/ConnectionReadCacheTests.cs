using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Connections;

/// <summary>
/// A step's read of its connection keeps the parse beside the stored text (<see cref="ConnectionReadCache"/>): the same
/// text is not parsed again, and any change to the stored item (an edit, a delete, a write beside the service) is seen by
/// the very next read.
/// </summary>
public sealed class ConnectionReadCacheTests
{
    private static readonly TenantId Tenant = new("tenant-reads");
    private static readonly TenantId Other = new("tenant-reads-other");

    private KeyHarness _h = null!;
    private ConnectionReadCache _reads = null!;
    private ConnectionService _service = null!;

    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateService()
    {
        _h = new KeyHarness();
        _reads = new ConnectionReadCache();
        _service = new ConnectionService(_h.Store, _h.Cipher, _h.Time, Options.Create(new EgressOptions()), reads: _reads);
    }

    [TearDown]
    public void DisposeHarness() => _h.Dispose();

    private static ConnectionInput Bearer(string baseUrl, string name = "Tickets")
        => new() { Name = name, BaseUrl = baseUrl, Auth = new ConnectionAuth { Type = AuthTypes.Bearer }, Secret = "canary-secret" };

    private async Task<Connection> CreateAsync(TenantId tenant, string baseUrl)
        => (await _service.CreateAsync(tenant, Bearer(baseUrl), Ct)).Value ?? throw new AssertionException("create failed");

    [Test]
    public async Task The_same_stored_text_is_parsed_once_and_an_edit_is_seen_by_the_next_read()
    {
        var created = await CreateAsync(Tenant, "https://tickets.example.com/v1");

        var first = await _service.GetAsync(Tenant, created.Id, Ct);
        var second = await _service.GetAsync(Tenant, created.Id, Ct);
        Assert.That(second, Is.SameAs(first), "the unchanged item is not parsed again");
        Assert.That(_reads.Count, Is.EqualTo(1));

        var edited = await _service.UpdateAsync(Tenant, created.Id, Bearer("https://tickets.example.com/v2"), Ct);
        Assert.That(edited.Kind, Is.EqualTo(OutcomeKind.Ok));
        var afterEdit = await _service.GetAsync(Tenant, created.Id, Ct);
        Assert.That(afterEdit!.BaseUrl, Is.EqualTo("https://tickets.example.com/v2"));
        Assert.That(afterEdit, Is.Not.SameAs(first));
    }

    [Test]
    public async Task A_write_beside_the_service_and_a_delete_are_seen_by_the_next_read()
    {
        var created = await CreateAsync(Tenant, "https://tickets.example.com/v1");
        Assert.That((await _service.GetAsync(Tenant, created.Id, Ct))!.BaseUrl, Is.EqualTo("https://tickets.example.com/v1"));

        // Another process (the CLI's restore, a second backend on the AWS store) rewrites the item.
        var item = (await _h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.Connection(created.Id), Ct))!;
        await _h.Store.PutAsync(item with { Data = StoredJson.Write(created with { BaseUrl = "https://elsewhere.example.com/" }) }, Ct);
        Assert.That((await _service.GetAsync(Tenant, created.Id, Ct))!.BaseUrl, Is.EqualTo("https://elsewhere.example.com/"));

        Assert.That(await _service.DeleteAsync(Tenant, created.Id, Ct), Is.True);
        Assert.That(await _service.GetAsync(Tenant, created.Id, Ct), Is.Null, "a deleted connection is not served from memory");
    }

    [Test]
    public async Task Entries_are_per_tenant_and_an_uninstall_drops_only_that_tenants()
    {
        var mine = await CreateAsync(Tenant, "https://tickets.example.com/v1");
        var theirs = await CreateAsync(Other, "https://other.example.com/v1");
        await _service.GetAsync(Tenant, mine.Id, Ct);
        await _service.GetAsync(Other, theirs.Id, Ct);
        Assert.That(await _service.GetAsync(Other, mine.Id, Ct), Is.Null, "another tenant's id reads nothing, cached or not");
        Assert.That(_reads.Count, Is.EqualTo(2));

        _reads.ForgetTenant(Tenant);

        Assert.That(_reads.Count, Is.EqualTo(1));
        Assert.That(_reads.Find(Other, theirs.Id, (await _h.Store.GetAsync(Keys.Tenant(Other.Value), Keys.Connection(theirs.Id), Ct))!.Data), Is.Not.Null);
        Assert.That(_reads.Find(Tenant, mine.Id, (await _h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.Connection(mine.Id), Ct))!.Data), Is.Null);
    }

    [Test]
    public void The_cache_is_bounded()
    {
        var connection = new Connection("conn_x", "x", "https://x.example.com", new ConnectionAuth { Type = AuthTypes.Bearer }, null, KeyHarness.Start, KeyHarness.Start);
        for (var i = 0; i <= ConnectionReadCache.Capacity; i++)
        {
            _reads.Keep(Tenant, $"conn_{i}", "{}", connection);
        }

        Assert.That(_reads.Count, Is.LessThanOrEqualTo(ConnectionReadCache.Capacity));
    }
}
