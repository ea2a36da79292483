using BluBees.Engine.Storage;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The <see cref="IStore"/> contract. Every implementation (SQLite now, DynamoDB later) derives a fixture from
/// this class and supplies a fresh, empty store per test whose clock is the given fake time.
/// </summary>
public abstract class StoreContractTests
{
    protected static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);
    protected static readonly long StartSeconds = Start.ToUnixTimeSeconds();

    protected FakeTimeProvider Time { get; private set; } = null!;

    protected IStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>Returns an empty store that reads the time from <paramref name="time"/>.</summary>
    protected abstract IStore CreateStore(FakeTimeProvider time);

    /// <summary>Releases what <see cref="CreateStore"/> made.</summary>
    protected virtual void ReleaseStore()
    {
    }

    [SetUp]
    public void CreateFreshStore()
    {
        Time = new FakeTimeProvider(Start);
        Store = CreateStore(Time);
    }

    [TearDown]
    public void ReleaseFreshStore() => ReleaseStore();

    private Task PutAsync(string pk, string sk, string data = "{}", long? expiresAt = null)
        => Store.PutAsync(new StoreItem(pk, sk, data, expiresAt), Ct);

    private async Task<string[]> SortKeysAsync(QueryRequest request) => [.. (await Store.QueryAsync(request, Ct)).Items.Select(i => i.Sk)];

    private async Task<List<string>> AllPagesAsync(QueryRequest request)
    {
        var keys = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Store.QueryAsync(request with { StartAfter = cursor }, Ct);
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(request.Limit));
            keys.AddRange(page.Items.Select(i => i.Sk));
            cursor = page.NextCursor;
            Assert.That(++pages, Is.LessThan(1000), "paging must end");
        }
        while (cursor is not null);

        return keys;
    }

    // ---- put / get ----

    [Test]
    public async Task PutThenGetReturnsTheItemAtRevisionOne()
    {
        await Store.PutAsync(new StoreItem("T#a", "CONN#1", """{"name":"Ünïcode ✓ 🐝"}""", StartSeconds + 3600), Ct);

        var item = await Store.GetAsync("T#a", "CONN#1", Ct);

        Assert.That(item, Is.EqualTo(new StoreItem("T#a", "CONN#1", """{"name":"Ünïcode ✓ 🐝"}""", StartSeconds + 3600, 1)));
    }

    [Test]
    public async Task PutOverwritesAndIncrementsTheRevision()
    {
        await PutAsync("T#a", "CONN#1", "{\"v\":1}", StartSeconds + 60);
        await PutAsync("T#a", "CONN#1", "{\"v\":2}");
        await PutAsync("T#a", "CONN#1", "{\"v\":3}");

        Assert.That(await Store.GetAsync("T#a", "CONN#1", Ct), Is.EqualTo(new StoreItem("T#a", "CONN#1", "{\"v\":3}", null, 3)), "the expiry is replaced too");
    }

    [Test]
    public async Task PutManyWritesEachItemAsPutDoes()
    {
        await PutAsync("T#a", "TRACE#07", "{\"v\":\"old\"}", StartSeconds + 5);
        var items = Enumerable.Range(0, 40)
            .Select(i => new StoreItem("T#a", $"TRACE#{i:D2}", $"{{\"v\":{i}}}", i % 2 == 0 ? StartSeconds + 60 + i : null, Revision: 9))
            .ToList();

        await Store.PutManyAsync(items, Ct);

        var stored = await AllPagesAsync(new QueryRequest("T#a", "TRACE#") { Limit = 7 });
        Assert.That(stored, Is.EqualTo(items.Select(i => i.Sk)), "every item, no other");
        foreach (var item in items)
        {
            var expected = item with { Revision = item.Sk == "TRACE#07" ? 2 : 1 };
            Assert.That(await Store.GetAsync("T#a", item.Sk, Ct), Is.EqualTo(expected), item.Sk);
        }
    }

    [Test]
    public async Task PutManyOfNoItemsWritesNothing()
    {
        await Store.PutManyAsync([], Ct);

        Assert.That((await Store.QueryAsync(new QueryRequest("T#a", "TRACE#"), Ct)).Items, Is.Empty);
    }

    [Test]
    public async Task PutIgnoresTheRevisionItIsGiven()
    {
        await Store.PutAsync(new StoreItem("T#a", "K", "{}", Revision: 41), Ct);

        Assert.That((await Store.GetAsync("T#a", "K", Ct))!.Revision, Is.EqualTo(1));
    }

    [Test]
    public async Task GetMatchesTheExactKeyOnly()
    {
        await PutAsync("T#a", "RULE#1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.GetAsync("T#a", "RULE#", Ct), Is.Null);
            Assert.That(await Store.GetAsync("T#a", "RULE#10", Ct), Is.Null);
            Assert.That(await Store.GetAsync("T#a", "rule#1", Ct), Is.Null, "keys are case-sensitive");
            Assert.That(await Store.GetAsync("T#ab", "RULE#1", Ct), Is.Null);
            Assert.That(await Store.GetAsync("T#", "RULE#1", Ct), Is.Null);
            Assert.That(await Store.GetAsync("T#a", "RULE#1", Ct), Is.Not.Null);
        }
    }

    [Test]
    public async Task LargeDocumentsRoundTrip() // about 360 KB of UTF-8: under DynamoDB's 400 KB item limit
    {
        var data = "{\"text\":\"" + string.Concat(Enumerable.Repeat("ab\\u00e9🐝", 30_000)) + "\"}";
        await PutAsync("T#a", "BIG", data);

        Assert.That((await Store.GetAsync("T#a", "BIG", Ct))!.Data, Is.EqualTo(data));
    }

    // ---- conditional writes ----

    [Test]
    public async Task PutIfAbsentWritesOnlyTheFirstTime()
    {
        var first = await Store.PutIfAbsentAsync(new StoreItem("T#a", "DEDUP#e1", "{\"n\":1}"), Ct);
        var second = await Store.PutIfAbsentAsync(new StoreItem("T#a", "DEDUP#e1", "{\"n\":2}"), Ct);

        Assert.That((first, second), Is.EqualTo((true, false)));
        Assert.That(await Store.GetAsync("T#a", "DEDUP#e1", Ct), Is.EqualTo(new StoreItem("T#a", "DEDUP#e1", "{\"n\":1}", null, 1)));
    }

    [Test]
    public async Task PutIfAbsentIsRefusedWhileTheItemLives()
    {
        await Store.PutIfAbsentAsync(new StoreItem("T#a", "DEDUP#e1", "{\"n\":1}", StartSeconds + 60), Ct);
        Time.Advance(TimeSpan.FromSeconds(59));

        Assert.That(await Store.PutIfAbsentAsync(new StoreItem("T#a", "DEDUP#e1", "{\"n\":2}"), Ct), Is.False);
        Assert.That((await Store.GetAsync("T#a", "DEDUP#e1", Ct))!.Data, Is.EqualTo("{\"n\":1}"));
    }

    [Test]
    public async Task PutIfAbsentReplacesAnExpiredItemAsIfNew()
    {
        await PutAsync("T#a", "DEDUP#e1", "{\"n\":1}", StartSeconds + 60);
        await PutAsync("T#a", "DEDUP#e1", "{\"n\":1}", StartSeconds + 60);
        Time.Advance(TimeSpan.FromSeconds(61));

        var written = await Store.PutIfAbsentAsync(new StoreItem("T#a", "DEDUP#e1", "{\"n\":2}", StartSeconds + 600), Ct);

        Assert.That(written, Is.True);
        Assert.That(await Store.GetAsync("T#a", "DEDUP#e1", Ct), Is.EqualTo(new StoreItem("T#a", "DEDUP#e1", "{\"n\":2}", StartSeconds + 600, 1)));
    }

    [Test]
    public async Task PutIfRevisionZeroMeansAbsent()
    {
        Assert.That(await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":1}"), 0, Ct), Is.True);
        Assert.That(await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":2}"), 0, Ct), Is.False);
        Assert.That(await Store.GetAsync("T#a", "RULE#1", Ct), Is.EqualTo(new StoreItem("T#a", "RULE#1", "{\"v\":1}", null, 1)));
    }

    [Test]
    public async Task PutIfRevisionWritesOnTheExpectedRevisionAndIncrementsIt()
    {
        await PutAsync("T#a", "RULE#1", "{\"v\":1}");

        var ok = await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":2}"), 1, Ct);
        var stale = await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":3}"), 1, Ct);
        var next = await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":4}"), 2, Ct);

        Assert.That((ok, stale, next), Is.EqualTo((true, false, true)));
        Assert.That(await Store.GetAsync("T#a", "RULE#1", Ct), Is.EqualTo(new StoreItem("T#a", "RULE#1", "{\"v\":4}", null, 3)));
    }

    [Test]
    public async Task PutIfRevisionRefusesARevisionAheadOfTheStoredOne()
    {
        await PutAsync("T#a", "RULE#1");

        Assert.That(await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":9}"), 2, Ct), Is.False);
        Assert.That((await Store.GetAsync("T#a", "RULE#1", Ct))!.Revision, Is.EqualTo(1));
    }

    [Test]
    public async Task PutIfRevisionNeverCreatesAnItemForANonZeroRevision()
    {
        Assert.That(await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{}"), 1, Ct), Is.False);
        Assert.That(await Store.GetAsync("T#a", "RULE#1", Ct), Is.Null);
    }

    [Test]
    public async Task PutIfRevisionTreatsAnExpiredItemAsAbsent()
    {
        await PutAsync("T#a", "RULE#1", "{}", StartSeconds + 10);
        Time.Advance(TimeSpan.FromSeconds(11));

        Assert.That(await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":2}"), 1, Ct), Is.False, "the expired revision is gone");
        Assert.That(await Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", "{\"v\":3}"), 0, Ct), Is.True);
        Assert.That(await Store.GetAsync("T#a", "RULE#1", Ct), Is.EqualTo(new StoreItem("T#a", "RULE#1", "{\"v\":3}", null, 1)));
    }

    [Test]
    public async Task ExactlyOneOfManyConcurrentConditionalWritersWins()
    {
        await PutAsync("T#a", "RULE#1");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Store.PutIfRevisionAsync(new StoreItem("T#a", "RULE#1", $"{{\"w\":{i}}}"), 1, Ct))));
        var creates = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Store.PutIfAbsentAsync(new StoreItem("T#a", "DEDUP#x", $"{{\"w\":{i}}}"), Ct))));

        Assert.That(results.Count(r => r), Is.EqualTo(1));
        Assert.That(creates.Count(r => r), Is.EqualTo(1));
        Assert.That((await Store.GetAsync("T#a", "RULE#1", Ct))!.Revision, Is.EqualTo(2));
    }

    // ---- expiry ----

    [Test]
    public async Task ExpiredItemsAreInvisibleToGetAndQuery()
    {
        await PutAsync("T#a", "RUN#1", "{}", StartSeconds + 60);
        await PutAsync("T#a", "RUN#2", "{}", StartSeconds + 120);
        await PutAsync("T#a", "RUN#3");

        Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#")), Is.EqualTo(new[] { "RUN#1", "RUN#2", "RUN#3" }));

        Time.Advance(TimeSpan.FromSeconds(90));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.GetAsync("T#a", "RUN#1", Ct), Is.Null);
            Assert.That(await Store.GetAsync("T#a", "RUN#2", Ct), Is.Not.Null);
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#")), Is.EqualTo(new[] { "RUN#2", "RUN#3" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { Descending = true }), Is.EqualTo(new[] { "RUN#3", "RUN#2" }));
        }
    }

    [Test]
    public async Task AnItemExpiresAtItsExpiryTime()
    {
        await PutAsync("T#a", "DEDUP#1", "{}", StartSeconds + 60);

        Time.Advance(TimeSpan.FromSeconds(59.9));
        Assert.That(await Store.GetAsync("T#a", "DEDUP#1", Ct), Is.Not.Null, "still live just before");

        Time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That(await Store.GetAsync("T#a", "DEDUP#1", Ct), Is.Null, "gone at the expiry second");
    }

    [Test]
    public async Task AnExpiryInThePastIsExpiredAtOnce()
    {
        await PutAsync("T#a", "DEDUP#1", "{}", StartSeconds - 1);

        Assert.That(await Store.GetAsync("T#a", "DEDUP#1", Ct), Is.Null);
    }

    [Test]
    public async Task ExpiredItemsDoNotUseUpAPage()
    {
        for (var i = 0; i < 10; i++)
        {
            await PutAsync("T#a", $"RUN#{i:D2}", "{}", i % 2 == 0 ? StartSeconds + 5 : null);
        }

        Time.Advance(TimeSpan.FromMinutes(1));
        var page = await Store.QueryAsync(new QueryRequest("T#a", "RUN#") { Limit = 5 }, Ct);

        Assert.That(page.Items.Select(i => i.Sk), Is.EqualTo(new[] { "RUN#01", "RUN#03", "RUN#05", "RUN#07", "RUN#09" }));
        Assert.That(page.NextCursor, Is.Null);
    }

    // ---- query ----

    [Test]
    public async Task QueryReturnsOnlyItsPrefix()
    {
        await PutAsync("T#a", "RULE#r1");
        await PutAsync("T#a", "RULE#r2");
        await PutAsync("T#a", "RULEV#r1#000001");
        await PutAsync("T#a", "RULE");
        await PutAsync("T#a", "RUN#1");
        await PutAsync("T#a", "CONN#c1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RULE#")), Is.EqualTo(new[] { "RULE#r1", "RULE#r2" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RULEV#")), Is.EqualTo(new[] { "RULEV#r1#000001" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RULE#r1")), Is.EqualTo(new[] { "RULE#r1" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#")), Is.EqualTo(new[] { "RUN#1" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "NOPE#")), Is.Empty);
        }
    }

    [Test]
    public async Task AnEmptyPrefixReturnsTheWholePartition()
    {
        await PutAsync("T#a", "KEY");
        await PutAsync("T#a", "CONN#1");
        await PutAsync("T#a", "~last");
        await PutAsync("T#ab", "CONN#2");

        Assert.That(await SortKeysAsync(new QueryRequest("T#a", string.Empty)), Is.EqualTo(new[] { "CONN#1", "KEY", "~last" }));
    }

    [Test]
    public async Task QueryNeverCrossesPartitions()
    {
        await PutAsync("T#a", "RULE#1");
        await PutAsync("T#ab", "RULE#2");
        await PutAsync("T#A", "RULE#3");
        await PutAsync("T#", "RULE#4");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RULE#")), Is.EqualTo(new[] { "RULE#1" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#ab", "RULE#")), Is.EqualTo(new[] { "RULE#2" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#A", "RULE#")), Is.EqualTo(new[] { "RULE#3" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#", "RULE#")), Is.EqualTo(new[] { "RULE#4" }));
        }
    }

    [Test]
    public async Task QueryOrdersBySortKeyOrdinallyInEitherDirection()
    {
        string[] keys = ["K#b", "K#0010", "K#A", "K#0002", "K#_", "K#a", "K#0001"];
        foreach (var key in keys)
        {
            await PutAsync("T#a", key);
        }

        var ascending = new[] { "K#0001", "K#0002", "K#0010", "K#A", "K#_", "K#a", "K#b" };
        Assert.That(await SortKeysAsync(new QueryRequest("T#a", "K#")), Is.EqualTo(ascending));
        Assert.That(await SortKeysAsync(new QueryRequest("T#a", "K#") { Descending = true }), Is.EqualTo(ascending.Reverse()));
    }

    [Test]
    public async Task QueryReturnsWholeItems()
    {
        await PutAsync("T#a", "RUN#1", "{\"x\":1}", StartSeconds + 500);
        await PutAsync("T#a", "RUN#1", "{\"x\":2}", StartSeconds + 600);

        var page = await Store.QueryAsync(new QueryRequest("T#a", "RUN#"), Ct);

        Assert.That(page.Items, Is.EqualTo(new[] { new StoreItem("T#a", "RUN#1", "{\"x\":2}", StartSeconds + 600, 2) }));
    }

    [Test]
    public async Task SkFromAndSkToAreInclusiveBounds()
    {
        for (var i = 1; i <= 10; i++)
        {
            await PutAsync("T#a", $"RUN#{i:D3}");
        }

        await PutAsync("T#a", "RUN#0050");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "RUN#003", SkTo = "RUN#005" }), Is.EqualTo(new[] { "RUN#003", "RUN#004", "RUN#005" }),
                "RUN#0050 sorts after RUN#005 and is outside an inclusive bound on RUN#005");
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "RUN#003", SkTo = "RUN#005", Descending = true }), Is.EqualTo(new[] { "RUN#005", "RUN#004", "RUN#003" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "RUN#009" }), Is.EqualTo(new[] { "RUN#009", "RUN#010" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkTo = "RUN#002" }), Is.EqualTo(new[] { "RUN#001", "RUN#002" }));
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "RUN#0025", SkTo = "RUN#0045" }), Is.EqualTo(new[] { "RUN#003", "RUN#004" }), "bounds need not be stored keys");
            Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "RUN#006", SkTo = "RUN#004" }), Is.Empty);
        }
    }

    [Test]
    public async Task BoundsNeverWidenThePrefix()
    {
        await PutAsync("T#a", "AUDIT#1");
        await PutAsync("T#a", "RUN#1");
        await PutAsync("T#a", "RUNX");
        await PutAsync("T#a", "SETTINGS");

        Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "A", SkTo = "Z" }), Is.EqualTo(new[] { "RUN#1" }));
    }

    [Test]
    public async Task PagesThroughManyItemsInOrderWithoutGapsOrRepeats()
    {
        var expected = Enumerable.Range(0, 250).Select(i => $"RUN#{i:D4}").ToList();
        foreach (var key in expected.OrderBy(_ => Guid.NewGuid()))
        {
            await PutAsync("T#a", key);
        }

        var first = await Store.QueryAsync(new QueryRequest("T#a", "RUN#") { Limit = 100 }, Ct);
        Assert.That(first.Items, Has.Count.EqualTo(100));
        Assert.That(first.NextCursor, Is.Not.Null);

        Assert.That(await AllPagesAsync(new QueryRequest("T#a", "RUN#") { Limit = 100 }), Is.EqualTo(expected));
        Assert.That(await AllPagesAsync(new QueryRequest("T#a", "RUN#") { Limit = 100, Descending = true }), Is.EqualTo(Enumerable.Reverse(expected)));
        Assert.That(await AllPagesAsync(new QueryRequest("T#a", "RUN#") { Limit = 7 }), Is.EqualTo(expected));
    }

    [Test]
    public async Task TheCursorIsTheSortKeyOfTheLastItemAndTheLastPageHasNone()
    {
        for (var i = 0; i < 200; i++)
        {
            await PutAsync("T#a", $"RUN#{i:D4}");
        }

        var first = await Store.QueryAsync(new QueryRequest("T#a", "RUN#") { Limit = 100 }, Ct);
        var second = await Store.QueryAsync(new QueryRequest("T#a", "RUN#") { Limit = 100, StartAfter = first.NextCursor }, Ct);

        Assert.That(first.NextCursor, Is.EqualTo(first.Items[^1].Sk));
        Assert.That(second.Items.Select(i => i.Sk).First(), Is.EqualTo("RUN#0100"));
        Assert.That(second.Items, Has.Count.EqualTo(100));
        Assert.That(second.NextCursor, Is.Null, "an exactly full last page has no cursor");
    }

    [Test]
    public async Task PagingCombinesWithBounds()
    {
        for (var i = 0; i < 50; i++)
        {
            await PutAsync("T#a", $"RUN#{i:D2}");
        }

        var keys = await AllPagesAsync(new QueryRequest("T#a", "RUN#") { SkFrom = "RUN#10", SkTo = "RUN#29", Limit = 6, Descending = true });

        Assert.That(keys, Is.EqualTo(Enumerable.Range(10, 20).Reverse().Select(i => $"RUN#{i:D2}")));
    }

    [Test]
    public async Task StartAfterNeedNotBeAStoredKey()
    {
        await PutAsync("T#a", "RUN#1");
        await PutAsync("T#a", "RUN#3");

        Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { StartAfter = "RUN#2" }), Is.EqualTo(new[] { "RUN#3" }));
        Assert.That(await SortKeysAsync(new QueryRequest("T#a", "RUN#") { StartAfter = "RUN#2", Descending = true }), Is.EqualTo(new[] { "RUN#1" }));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void ALimitBelowOneIsAProgrammingError(int limit)
    {
        Assert.That(() => Store.QueryAsync(new QueryRequest("T#a", "RUN#") { Limit = limit }, Ct), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    // ---- delete ----

    [Test]
    public async Task DeleteRemovesOneItemAndSaysWhetherItExisted()
    {
        await PutAsync("T#a", "CONN#1");
        await PutAsync("T#a", "CONN#2");

        var first = await Store.DeleteAsync("T#a", "CONN#1", Ct);
        var again = await Store.DeleteAsync("T#a", "CONN#1", Ct);
        var missing = await Store.DeleteAsync("T#b", "CONN#2", Ct);

        Assert.That((first, again, missing), Is.EqualTo((true, false, false)));
        Assert.That(await Store.GetAsync("T#a", "CONN#1", Ct), Is.Null);
        Assert.That(await Store.GetAsync("T#a", "CONN#2", Ct), Is.Not.Null);
    }

    [Test]
    public async Task DeleteIfRevisionDeletesOnlyTheRevisionItWasGiven()
    {
        await PutAsync("T#a", "NAME#1");
        await PutAsync("T#a", "NAME#1"); // revision 2

        var stale = await Store.DeleteIfRevisionAsync("T#a", "NAME#1", 1, Ct);
        var otherPartition = await Store.DeleteIfRevisionAsync("T#b", "NAME#1", 2, Ct);
        Assert.That((stale, otherPartition), Is.EqualTo((false, false)));
        Assert.That((await Store.GetAsync("T#a", "NAME#1", Ct))!.Revision, Is.EqualTo(2), "a stale revision deleted nothing");

        Assert.That(await Store.DeleteIfRevisionAsync("T#a", "NAME#1", 2, Ct), Is.True);
        Assert.That(await Store.GetAsync("T#a", "NAME#1", Ct), Is.Null);
        Assert.That(await Store.DeleteIfRevisionAsync("T#a", "NAME#1", 2, Ct), Is.False, "already gone");
    }

    [Test]
    public async Task DeleteIfRevisionDoesNotDeleteAnExpiredItem()
    {
        await PutAsync("T#a", "NAME#1", expiresAt: StartSeconds + 10);
        Time.Advance(TimeSpan.FromSeconds(11));

        Assert.That(await Store.DeleteIfRevisionAsync("T#a", "NAME#1", 1, Ct), Is.False);
    }

    [Test]
    public async Task ADeletedItemCanBeCreatedAgainAsNew()
    {
        await PutAsync("T#a", "RULE#1");
        await PutAsync("T#a", "RULE#1");
        await Store.DeleteAsync("T#a", "RULE#1", Ct);

        Assert.That(await Store.PutIfAbsentAsync(new StoreItem("T#a", "RULE#1", "{\"new\":true}"), Ct), Is.True);
        Assert.That((await Store.GetAsync("T#a", "RULE#1", Ct))!.Revision, Is.EqualTo(1));
    }

    [Test]
    public async Task DeletePartitionDeletesOnlyItsPartition()
    {
        for (var i = 0; i < 30; i++)
        {
            await PutAsync("T#a", $"RUN#{i:D2}");
        }

        await PutAsync("T#a", "KEY");
        await PutAsync("T#ab", "KEY");
        await PutAsync("T#A", "KEY");
        await PutAsync("DIR", "T#a");

        var deleted = await Store.DeletePartitionAsync("T#a", Ct);

        Assert.That(deleted, Is.EqualTo(31));
        Assert.That(await SortKeysAsync(new QueryRequest("T#a", string.Empty)), Is.Empty);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.GetAsync("T#ab", "KEY", Ct), Is.Not.Null);
            Assert.That(await Store.GetAsync("T#A", "KEY", Ct), Is.Not.Null);
            Assert.That(await Store.GetAsync("DIR", "T#a", Ct), Is.Not.Null);
        }

        Assert.That(await Store.DeletePartitionAsync("T#a", Ct), Is.Zero);
    }
}
