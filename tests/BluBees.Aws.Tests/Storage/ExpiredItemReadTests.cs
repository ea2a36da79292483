using Amazon.DynamoDBv2;
using BluBees.Aws.DynamoDb;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Common;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using EngineQuery = BluBees.Engine.Storage.QueryRequest;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// Items past their <c>ttl</c> that DynamoDB has not deleted yet (its TTL lags up to two days; dynalite never deletes):
/// every read of runs, issue pointers, support grants and audit entries hides them at once — point reads, lists, the
/// "any grant?" check — a page is never cut short or emptied by them while live items follow, and reading through
/// them takes a few requests (counted at a proxy in front of dynalite), not one per page size.
/// </summary>
[TestFixture]
public sealed class ExpiredItemReadTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private DynamoDbTable _table = null!;
    private DynamoDbFaultProxy _proxy = null!;
    private IAmazonDynamoDB _client = null!;
    private FakeTimeProvider _time = null!;
    private IStore _store = null!;
    private int _queries;

    [OneTimeSetUp]
    public async Task CreateTableAsync()
    {
        _table = await DynamoDbTable.CreateAsync();
        _proxy = await DynamoDbFaultProxy.StartAsync(_table.Url);
        _proxy.Fail((operation, _) =>
        {
            if (operation == "Query")
            {
                Interlocked.Increment(ref _queries);
            }

            return null;
        });
        _client = AwsClientFactory.DynamoDb(_proxy.Address.ToString());
    }

    [OneTimeTearDown]
    public async Task DisposeTableAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        _table.Dispose();
    }

    [SetUp]
    public void NewStore()
    {
        _time = new FakeTimeProvider(Start);
        _store = new DynamoDbStore(new Lazy<IAmazonDynamoDB>(() => _client), _table.Name, _time, NullLogger<DynamoDbStore>.Instance);
    }

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    private int Queries => Volatile.Read(ref _queries);

    private static TenantId NewTenant() => new("ari:cloud:ecosystem::installation/" + Guid.NewGuid());

    [Test]
    public async Task A_query_reads_through_many_expired_items_in_a_few_requests()
    {
        var pk = "T#" + Guid.NewGuid().ToString("N");
        await _store.PutManyAsync([.. Enumerable.Range(0, 400).Select(i => new StoreItem(pk, $"RUN#{i:D4}", "{}", Now - 1))], default);
        await _store.PutAsync(new StoreItem(pk, "RUN#0400", "{}"), default);

        var before = Queries;
        var page = await _store.QueryAsync(new EngineQuery(pk, "RUN#") { Limit = 1 }, default);

        Assert.That(page.Items.Select(i => i.Sk), Is.EqualTo(new[] { "RUN#0400" }));
        Assert.That(page.NextCursor, Is.Null);
        // One request per Limit + 1 = 2 items read was 200 requests; growing the ask after expired ones, a handful.
        Assert.That(Queries - before, Is.LessThanOrEqualTo(10));
    }

    [Test]
    public async Task A_full_page_before_expired_items_answers_at_once_with_a_cursor_and_the_next_page_is_empty()
    {
        var pk = "T#" + Guid.NewGuid().ToString("N");
        await _store.PutManyAsync([.. Enumerable.Range(0, 400).Select(i => new StoreItem(pk, $"RUN#{i:D4}", "{}", Now - 1))], default);
        await _store.PutManyAsync([.. Enumerable.Range(400, 2).Select(i => new StoreItem(pk, $"RUN#{i:D4}", "{}"))], default);

        // Newest first, as the run log reads: the two live runs, then the expired ones the TTL has yet to delete.
        var before = Queries;
        var page = await _store.QueryAsync(new EngineQuery(pk, "RUN#") { Limit = 2, Descending = true }, default);
        Assert.That(page.Items.Select(i => i.Sk), Is.EqualTo(new[] { "RUN#0401", "RUN#0400" }));
        Assert.That(Queries - before, Is.EqualTo(1), "not read through the 400 expired items to prove a next page");
        Assert.That(page.NextCursor, Is.EqualTo("RUN#0400"));

        var after = await _store.QueryAsync(new EngineQuery(pk, "RUN#") { Limit = 2, Descending = true, StartAfter = page.NextCursor }, default);
        Assert.That(after.Items, Is.Empty);
        Assert.That(after.NextCursor, Is.Null);
    }

    [Test]
    public async Task A_page_of_the_run_log_is_full_of_live_runs_behind_newer_expired_ones()
    {
        var tenant = NewTenant();
        var ids = new OrderedRunIds();
        // Older runs written under a 400-day retention, newer ones under a 1-day one that has passed (a lowered setting).
        var kept = new RunStore(_store, _time, Options.Create(new RunOptions { RetentionDays = 400 }));
        var brief = new RunStore(_store, _time, Options.Create(new RunOptions { RetentionDays = 1 }));
        var live = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = ids.Next(Start.AddDays(-10).AddMinutes(i));
            live.Add(id);
            await kept.WriteAsync(tenant, Run(id, Start.AddDays(-10).AddMinutes(i)), default);
        }

        var expired = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = ids.Next(Start.AddDays(-3).AddMinutes(i));
            expired.Add(id);
            await brief.WriteAsync(tenant, Run(id, Start.AddDays(-3).AddMinutes(i)), default);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (items, next) = await kept.ListAsync(tenant, new RunFilter(null, null, null, null, 2, cursor), default);
            Assert.That(items, Has.Count.EqualTo(next is null ? live.Count - seen.Count : 2), "no page is cut short by expired runs");
            seen.AddRange(items.Select(r => r.Id));
            cursor = next;
        }
        while (cursor is not null);

        Assert.That(seen, Is.EqualTo(Enumerable.Reverse(live)), "newest first, the expired ones hidden");
        Assert.That(await kept.GetAsync(tenant, expired[0], default), Is.Null, "a point read hides an expired run");
        Assert.That(await kept.GetAsync(tenant, live[0], default), Is.Not.Null);
        Assert.That((await kept.ListForIssueAsync(tenant, "10001", null, 1, default)).Select(r => r.Id), Is.EqualTo(new[] { live[^1] }), "the issue panel skips expired pointers");
    }

    [Test]
    public async Task An_expired_grant_is_neither_found_listed_counted_nor_revoked()
    {
        var tenant = NewTenant();
        var grants = new SupportGrantStore(_store, _time, TimeSpan.FromDays(365));
        // Active by its own data, but its item is past its ttl (stored data from another retention): it is gone.
        var grant = new SupportGrant(new OrderedRunIds().Next(Start.AddHours(-1)), Start.AddHours(-1), Start.AddHours(5), "557058:admin", null);
        await _store.ForTenant(tenant).PutAsync(Keys.Grant(grant.Id), StoredJson.Write(grant), Now - 1, default);

        Assert.Multiple(async () =>
        {
            Assert.That(await grants.FindActiveAsync(tenant, default), Is.Null);
            Assert.That(await grants.ListActiveAsync(tenant, default), Is.Empty);
            Assert.That(await grants.ListAsync(tenant, 50, default), Is.Empty);
            Assert.That(await grants.AnyAsync(tenant, default), Is.False);
            Assert.That(await grants.RevokeAsync(tenant, grant.Id, "557058:admin", default), Is.Null);
        });
    }

    [Test]
    public async Task Whether_a_tenant_ever_granted_access_is_one_request_however_many_expired_grants_came_before()
    {
        var tenant = NewTenant();
        var ids = new OrderedRunIds();
        var old = Start.AddDays(-400);
        var items = Enumerable.Range(0, 60).Select(i =>
        {
            var at = old.AddMinutes(i);
            var grant = new SupportGrant(ids.Next(at), at, at.AddHours(1), "557058:admin", null);
            return _store.ForTenant(tenant).Item(Keys.Grant(grant.Id), StoredJson.Write(grant), Now - 1);
        }).ToList();
        await _store.ForTenant(tenant).PutManyAsync(items, default);
        var grants = new SupportGrantStore(_store, _time, TimeSpan.FromDays(365));
        Assert.That((await grants.CreateAsync(tenant, TimeSpan.FromHours(1), "557058:admin", null, default)).Grant, Is.Not.Null);

        var before = Queries;
        Assert.That(await grants.AnyAsync(tenant, default), Is.True);
        Assert.That(Queries - before, Is.EqualTo(1), "the newest grant is read first, not the expired ones the TTL has yet to delete");
    }

    [Test]
    public async Task An_audit_page_is_full_of_live_entries_behind_newer_expired_ones()
    {
        var tenant = NewTenant();
        var lasting = new SupportAuditStore(_store, _time, TimeSpan.FromDays(365));
        var brief = new SupportAuditStore(_store, _time, TimeSpan.FromSeconds(1));
        var live = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            live.Add((await lasting.WriteAsync(tenant, (id, at) => Entry(id, at, tenant), default)).Id);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        for (var i = 0; i < 4; i++)
        {
            await brief.WriteAsync(tenant, (id, at) => Entry(id, at, tenant), default);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        var (first, next) = await lasting.ListAsync(tenant, 1, null, default);
        Assert.That(first.Select(e => e.Id), Is.EqualTo(new[] { live[1] }), "the first page is not emptied by the four expired entries");
        var (second, last) = await lasting.ListAsync(tenant, 1, next, default);
        Assert.That(second.Select(e => e.Id), Is.EqualTo(new[] { live[0] }));
        Assert.That(last, Is.Null);
    }

    private static RunRecord Run(string id, DateTimeOffset at)
        => new(id, "rule_1", 1, "event", "avi:jira:updated:issue", "10001", "OPS-1", at, 5, "succeeded", null, []);

    private static SupportAuditEntry Entry(string id, DateTimeOffset at, TenantId tenant)
        => new(id, at, "support|1", null, tenant.Value, "/support/tenants/x/runs", new Dictionary<string, string>(), SupportAuditOutcome.Allowed, null, null);
}
