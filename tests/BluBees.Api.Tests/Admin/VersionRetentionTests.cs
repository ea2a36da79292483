using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A rule's version history is bounded (<c>Rules:VersionsKept</c>, 10 here): every save that adds a version beyond it
/// deletes the oldest (at most a batch per save), so a tenant saving in a loop no longer grows the store every tenant
/// shares without end. The current version is never deleted, numbers are never reused, the history lists the kept ones
/// only, and a version no longer kept is a 404 <c>version_not_kept</c> naming it (view and restore). Real SQLite store;
/// the only stand-in is a pass-through store that can refuse the prune's deletes.
/// </summary>
public sealed class VersionRetentionTests : BackendFixture
{
    private const int Kept = 10;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Rules:VersionsKept"] = Kept.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new VersionDeleteFaults(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, (IStore)sp.GetRequiredService<VersionDeleteFaults>()));
    };

    private IStore Store => Backend.Services.GetRequiredService<IStore>();

    [Test]
    public async Task Saving_far_beyond_the_bound_keeps_exactly_the_newest_versions_and_pages_them()
    {
        var (tenant, id, _) = await RuleWithVersionsAsync(25);

        Assert.That(await StoredAsync(tenant, Keys.RuleVersionPrefix(id)), Is.EqualTo(Enumerable.Range(16, Kept)), "the newest 10 versions, no more");
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionInfoPrefix(id)), Is.EqualTo(Enumerable.Range(16, Kept)), "and their listing lines");
        var current = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant);
        Assert.That(current["version"]!.GetValue<int>(), Is.EqualTo(25));
        Assert.That(current["name"]!.GetValue<string>(), Is.EqualTo(Name(id, 25)));

        var all = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant);
        Assert.That(Versions(all), Is.EqualTo(Enumerable.Range(16, Kept).Reverse()));
        Assert.That(all["nextCursor"], Is.Null);

        var seen = new List<int>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions?limit=4" + (cursor is null ? string.Empty : "&cursor=" + cursor), tenant);
            seen.AddRange(Versions(page));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.That(seen, Is.EqualTo(Enumerable.Range(16, Kept).Reverse()));
        Assert.That(pages, Is.EqualTo(3), "4 + 4 + 2, and no page of versions no longer kept after them");

        // A cursor below the kept versions (a page opened before more saves) lists nothing, not the pruned numbers.
        var below = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions?cursor=12", tenant);
        Assert.That(Versions(below), Is.Empty);
        Assert.That(below["nextCursor"], Is.Null);

        // The rule's delete still removes every version and line left.
        using (var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{id}", tenant))
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        Assert.That(await StoredAsync(tenant, Keys.RuleVersionPrefix(id)), Is.Empty);
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionInfoPrefix(id)), Is.Empty);
    }

    [Test]
    public async Task A_kept_old_version_restores_and_one_no_longer_kept_is_a_404_naming_it()
    {
        var (tenant, id, _) = await RuleWithVersionsAsync(Kept + 5);

        var kept = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions/6", tenant);
        Assert.That(kept["definition"]!["name"]!.GetValue<string>(), Is.EqualTo(Name(id, 6)));
        var restored = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/versions/6/restore", tenant);
        Assert.That(restored["version"]!.GetValue<int>(), Is.EqualTo(Kept + 6), "numbering continues");
        Assert.That(restored["name"]!.GetValue<string>(), Is.EqualTo(Name(id, 6)));

        // Now 7 … 16 are kept: 6 (the one restored from) went with this save, 1 … 5 before it.
        foreach (var version in new[] { 1, 5, 6 })
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, $"/api/rules/{id}/versions/{version}"), (HttpMethod.Post, $"/api/rules/{id}/versions/{version}/restore") })
            {
                using var response = await Backend.SendAsync(method, path, tenant);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{method} {path}");
                var problem = await ProblemAsync(response);
                Assert.That(problem["reason"]?.GetValue<string>(), Is.EqualTo(RuleVersionRetention.NotKeptReason), $"{method} {path}");
                Assert.That(problem["version"]?.GetValue<int>(), Is.EqualTo(version), $"{method} {path}");
                Assert.That(problem["oldestKeptVersion"]?.GetValue<int>(), Is.EqualTo(7), $"{method} {path}");
                Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("no longer kept"));
            }
        }

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["version"]!.GetValue<int>(), Is.EqualTo(Kept + 6), "a refused restore saved nothing");

        // A number the rule never had is the plain 404, not "no longer kept".
        using var never = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{id}/versions/{Kept + 7}", tenant);
        Assert.That(never.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await ProblemAsync(never))["reason"], Is.Null);
    }

    [Test]
    public async Task A_backlog_from_before_the_bound_is_never_shown_and_drains_over_a_few_saves()
    {
        var (tenant, id, connection) = await RuleWithVersionsAsync(1);
        var partition = Store.ForTenant(new TenantId(tenant));
        // As a build without the bound left it: 60 versions (every other one without its listing line), head at 60.
        var first = (await partition.GetAsync(Keys.RuleVersion(id, 1), default))!;
        var firstLine = (await partition.GetAsync(Keys.RuleVersionInfo(id, 1), default))!;
        for (var v = 2; v <= 60; v++)
        {
            await partition.PutAsync(Keys.RuleVersion(id, v), WithVersion(first.Data, v), default);
            if (v % 2 == 0)
            {
                await partition.PutAsync(Keys.RuleVersionInfo(id, v), WithVersion(firstLine.Data, v), default);
            }
        }

        var head = (await partition.GetAsync(Keys.Rule(id), default))!;
        await partition.PutAsync(Keys.Rule(id), WithVersion(head.Data, 60), default);

        Assert.That(Versions(await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant)), Is.EqualTo(Enumerable.Range(51, Kept).Reverse()));
        using (var old = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{id}/versions/3", tenant))
        {
            Assert.That(old.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "still stored, but not kept");
            Assert.That((await ProblemAsync(old))["reason"]?.GetValue<string>(), Is.EqualTo(RuleVersionRetention.NotKeptReason));
        }

        var counts = new List<int>();
        for (var save = 0; save < 4; save++)
        {
            using var update = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, Name(id, 61 + save)));
            Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            counts.Add((await StoredAsync(tenant, Keys.RuleVersionPrefix(id))).Count);
        }

        // Each save deletes at most a batch (bounded work per save) and the backlog is gone after a few.
        Assert.That(counts.Prepend(60).Zip(counts).Select(c => c.First + 1 - c.Second), Is.All.LessThanOrEqualTo(RuleVersionRetention.PruneBatch), string.Join(",", counts));
        Assert.That(counts[^1], Is.EqualTo(Kept), string.Join(",", counts));
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionPrefix(id)), Is.EqualTo(Enumerable.Range(55, Kept)));
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionInfoPrefix(id)), Is.EqualTo(Enumerable.Range(55, Kept)));
    }

    [Test]
    public async Task A_prune_the_store_refuses_does_not_fail_the_save_and_the_next_save_catches_up()
    {
        var faults = Backend.Services.GetRequiredService<VersionDeleteFaults>();
        var (tenant, id, connection) = await RuleWithVersionsAsync(3);
        faults.Fail = true;
        try
        {
            for (var v = 4; v <= Kept + 5; v++)
            {
                using var update = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, Name(id, v)));
                Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK), await update.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            faults.Fail = false;
        }

        Assert.That(faults.Refused, Is.GreaterThan(0), "the prune was tried and refused");
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionPrefix(id)), Has.Count.EqualTo(Kept + 5), "nothing pruned while the store refused");
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["version"]!.GetValue<int>(), Is.EqualTo(Kept + 5));

        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, Name(id, Kept + 6)));
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionPrefix(id)), Is.EqualTo(Enumerable.Range(7, Kept)));
    }

    [Test]
    public async Task Saves_racing_each_other_never_delete_the_current_version()
    {
        var (tenant, id, connection) = await RuleWithVersionsAsync(1);
        for (var round = 0; round < 15; round++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
                Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, Name(id, 1)))));
            foreach (var response in responses)
            {
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Conflict));
                response.Dispose();
            }

            var current = (await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["version"]!.GetValue<int>();
            await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions/{current}", tenant);
            var stored = await StoredAsync(tenant, Keys.RuleVersionPrefix(id));
            Assert.That(stored, Does.Contain(current));
            Assert.That(stored.Max(), Is.EqualTo(current), "no version above the current one left behind");
        }

        var last = (await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["version"]!.GetValue<int>();
        Assert.That(last, Is.GreaterThan(Kept), "enough saves won to exceed the bound");
        Assert.That(await StoredAsync(tenant, Keys.RuleVersionPrefix(id)), Is.EqualTo(Enumerable.Range(last - Kept + 1, Kept)));
        Assert.That(Versions(await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant)), Is.EqualTo(Enumerable.Range(last - Kept + 1, Kept).Reverse()));
    }

    [TestCase("9")]
    [TestCase("1001")]
    [TestCase("0")]
    public async Task A_bound_outside_10_to_1000_stops_the_start(string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await (await BackendHost.StartAsync(Issuer, new Dictionary<string, string?> { ["Rules:VersionsKept"] = value })).DisposeAsync());
        Assert.That(ex!.Message, Does.Contain("VersionsKept"));
    }

    private async Task<(string Tenant, string Id, string Connection)> RuleWithVersionsAsync(int count)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Keep 1")))["id"]!.GetValue<string>();
        for (var v = 2; v <= count; v++)
        {
            using var update = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, Name(id, v)));
            Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK), await update.Content.ReadAsStringAsync());
        }

        return (tenant, id, connection);
    }

    /// <summary>The name version <paramref name="version"/> was saved with (version 1: "Keep 1", before the id was known).</summary>
    private static string Name(string id, int version) => version == 1 ? "Keep 1" : $"Keep {version} {id}";

    private static string WithVersion(string data, int version)
    {
        var node = JsonNode.Parse(data)!.AsObject();
        node["version"] = version;
        return node.ToJsonString();
    }

    /// <summary>The version numbers stored under <paramref name="prefix"/> (ascending).</summary>
    private async Task<List<int>> StoredAsync(string tenant, string prefix)
    {
        var numbers = new List<int>();
        string? cursor = null;
        do
        {
            var page = await Store.QueryAsync(new QueryRequest(Keys.Tenant(tenant), prefix) { Limit = 500, StartAfter = cursor }, default);
            numbers.AddRange(page.Items.Select(i => int.Parse(i.Sk[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture)));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return [.. numbers.Order()];
    }

    private static int[] Versions(JsonNode page) => [.. page["items"]!.AsArray().Select(v => v!["version"]!.GetValue<int>())];

    /// <summary>The real store, except that while <see cref="Fail"/> is set a delete of a rule version or listing line throws (as a throttled or failing store does).</summary>
    internal sealed class VersionDeleteFaults(IStore inner) : IStore
    {
        private int _refused;

        public volatile bool Fail;

        public int Refused => Volatile.Read(ref _refused);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct)
        {
            if (Fail && (sk.StartsWith(Keys.RuleVersionsPrefix, StringComparison.Ordinal) || sk.StartsWith(Keys.RuleVersionInfosPrefix, StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref _refused);
                throw new IOException("The store refused the delete (test).");
            }

            return inner.DeleteAsync(pk, sk, ct);
        }

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
        public Task PutManyAsync(IReadOnlyList<StoreItem> items, CancellationToken ct) => inner.PutManyAsync(items, ct);
        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);
        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => inner.QueryAsync(request, ct);
        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
        public Task ProbeAsync(CancellationToken ct) => inner.ProbeAsync(ct);
    }
}
