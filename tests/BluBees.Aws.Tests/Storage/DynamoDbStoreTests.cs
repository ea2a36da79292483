using Amazon.DynamoDBv2.Model;
using BluBees.Aws.DynamoDb;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Time.Testing;
using EngineQuery = BluBees.Engine.Storage.QueryRequest;

namespace BluBees.Aws.Tests.Storage;

/// <summary>What only the DynamoDB store has to get right: attributes, 1 MB pages with a filter, batches.</summary>
[TestFixture]
public sealed class DynamoDbStoreTests
{
    private DynamoDbTable _table = null!;
    private FakeTimeProvider _time = null!;
    private IStore _store = null!;

    [OneTimeSetUp]
    public async Task CreateTableAsync() => _table = await DynamoDbTable.CreateAsync();

    [OneTimeTearDown]
    public void DisposeTable() => _table.Dispose();

    [SetUp]
    public void NewStore()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _store = _table.Store(_time);
    }

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    private static string Pk() => "T#" + Guid.NewGuid().ToString("N");

    private async Task<Dictionary<string, AttributeValue>> RawAsync(string pk, string sk)
        => (await _table.Client.GetItemAsync(new GetItemRequest { TableName = _table.Name, Key = new() { ["pk"] = new() { S = pk }, ["sk"] = new() { S = sk } }, ConsistentRead = true })).Item;

    [Test]
    public async Task Ttl_attribute_is_written_only_when_the_item_expires_and_removed_when_it_no_longer_does()
    {
        var pk = Pk();
        await _store.PutAsync(new StoreItem(pk, "A", "{}", Now + 60), default);
        await _store.PutIfAbsentAsync(new StoreItem(pk, "B", "{}"), default);
        var expiring = await RawAsync(pk, "A");
        var permanent = await RawAsync(pk, "B");
        Assert.Multiple(() =>
        {
            Assert.That(expiring["ttl"].N, Is.EqualTo((Now + 60).ToString(System.Globalization.CultureInfo.InvariantCulture)), "ttl is a number of Unix seconds");
            Assert.That(expiring["data"].S, Is.EqualTo("{}"));
            Assert.That(expiring["rev"].N, Is.EqualTo("1"));
            Assert.That(permanent.ContainsKey("ttl"), Is.False);
            Assert.That(permanent["rev"].N, Is.EqualTo("1"));
        });

        await _store.PutAsync(new StoreItem(pk, "A", "{\"v\":2}"), default);
        var updated = await RawAsync(pk, "A");
        Assert.That(updated.ContainsKey("ttl"), Is.False, "a put without expiry makes the item permanent");
        Assert.That(updated["rev"].N, Is.EqualTo("2"), "put adds 1 to the revision");
    }

    [Test]
    public async Task Pages_fill_up_with_live_items_across_1_MB_responses_full_of_expired_ones()
    {
        var pk = Pk();
        var big = new string('x', 200 * 1024);
        var expected = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            // Mostly expired, 200 KB each: ~5 items per 1 MB DynamoDB page, most of them filtered out.
            var live = i % 6 == 5;
            var sk = $"RUN#{i:D3}";
            await _store.PutAsync(new StoreItem(pk, sk, live ? "{}" : $"{{\"pad\":\"{big}\"}}", live ? null : Now - 1), default);
            if (live)
            {
                expected.Add(sk);
            }
        }

        var raw = await _table.Client.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = _table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new() { S = pk } },
        });
        Assert.That(raw.LastEvaluatedKey, Is.Not.Null.And.Not.Empty, "the server does stop pages at 1 MB, so the store must loop");

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await _store.QueryAsync(new EngineQuery(pk, "RUN#") { Limit = 2, StartAfter = cursor }, default);
            Assert.That(page.Items, Has.Count.EqualTo(page.NextCursor is null ? expected.Count - seen.Count : 2), "every page but the last is full");
            seen.AddRange(page.Items.Select(i => i.Sk));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.That(seen, Is.EqualTo(expected));
        Assert.That(pages, Is.EqualTo(2), "4 live items, 2 per page, and no empty third page");

        var newestFirst = await _store.QueryAsync(new EngineQuery(pk, "RUN#") { Descending = true, Limit = 3 }, default);
        Assert.That(newestFirst.Items.Select(i => i.Sk), Is.EqualTo(expected.AsEnumerable().Reverse().Take(3)));
    }

    [Test]
    public async Task DeletePartition_deletes_600_items_in_batches_and_leaves_other_partitions_alone()
    {
        var pk = Pk();
        var neighbour = Pk();
        await Task.WhenAll(Enumerable.Range(0, 600).Chunk(50).Select(async chunk =>
        {
            foreach (var i in chunk)
            {
                await _store.PutAsync(new StoreItem(pk, $"ITEM#{i:D4}", "{}", i % 3 == 0 ? Now - 10 : null), default);
            }
        }));
        await _store.PutAsync(new StoreItem(neighbour, "KEEP", "{}"), default);

        var deleted = await _store.DeletePartitionAsync(pk, default);

        Assert.That(deleted, Is.EqualTo(600), "expired items are deleted and counted too (600 = 24 batches of 25)");
        var left = await _table.Client.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = _table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new() { S = pk } },
        });
        Assert.That(left.Items ?? [], Is.Empty);
        Assert.That(await _store.GetAsync(neighbour, "KEEP", default), Is.Not.Null);
    }

    [Test]
    public async Task Key_order_is_the_server_order_for_characters_beyond_the_basic_plane()
    {
        var pk = Pk();
        // UTF-16 ordinal order would put the emoji (a surrogate pair) before U+E000; DynamoDB (UTF-8) after.
        foreach (var sk in new[] { "K#\uE000", "K#\U0001F600", "K#a" })
        {
            await _store.PutAsync(new StoreItem(pk, sk, "{}"), default);
        }

        var all = await _store.QueryAsync(new EngineQuery(pk, "K#") { Limit = 10 }, default);
        Assert.That(all.Items.Select(i => i.Sk), Is.EqualTo(new[] { "K#a", "K#\uE000", "K#\U0001F600" }));

        var first = await _store.QueryAsync(new EngineQuery(pk, "K#") { Limit = 2 }, default);
        var rest = await _store.QueryAsync(new EngineQuery(pk, "K#") { Limit = 2, StartAfter = first.NextCursor }, default);
        Assert.That(rest.Items.Select(i => i.Sk), Is.EqualTo(new[] { "K#\U0001F600" }));
        Assert.That(rest.NextCursor, Is.Null);
    }

    [Test]
    public async Task Cursors_outside_the_range_and_an_empty_prefix_are_answered_without_a_server_error()
    {
        var pk = Pk();
        foreach (var sk in new[] { "A#1", "B#1", "B#2", "C#1" })
        {
            await _store.PutAsync(new StoreItem(pk, sk, "{}"), default);
        }

        Assert.Multiple(async () =>
        {
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "B#") { StartAfter = "A#9" }, default)).Items.Select(i => i.Sk), Is.EqualTo(new[] { "B#1", "B#2" }));
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "B#") { StartAfter = "C#0" }, default)).Items, Is.Empty);
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "B#") { Descending = true, StartAfter = "Z" }, default)).Items.Select(i => i.Sk), Is.EqualTo(new[] { "B#2", "B#1" }));
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "B#") { Descending = true, StartAfter = "B#" }, default)).Items, Is.Empty);
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "B#") { SkFrom = "B#2", SkTo = "B#1" }, default)).Items, Is.Empty, "from above to: empty, not a ValidationException");
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "") { Limit = 10 }, default)).Items.Select(i => i.Sk), Is.EqualTo(new[] { "A#1", "B#1", "B#2", "C#1" }));
            Assert.That((await _store.QueryAsync(new EngineQuery(pk, "") { Descending = true, Limit = 1, StartAfter = "B#2" }, default)).Items.Select(i => i.Sk), Is.EqualTo(new[] { "B#1" }));
        });
    }

    [Test]
    public async Task Items_are_limited_to_400_KB_of_UTF8_as_in_DynamoDB_even_where_dynalite_counts_UTF16()
    {
        var pk = Pk();
        var fits = new string('a', 400 * 1024 - 200);
        await _store.PutAsync(new StoreItem(pk, "FITS", fits), default);
        Assert.That((await _store.GetAsync(pk, "FITS", default))!.Data, Is.EqualTo(fits));

        // 150 000 UTF-16 code units (dynalite would accept them) but 450 000 UTF-8 bytes (DynamoDB refuses them).
        var wide = new string('\u20AC', 150_000);
        Assert.That(async () => await _store.PutAsync(new StoreItem(pk, "WIDE", wide), default),
            Throws.InstanceOf<BluBees.Aws.DynamoDb.StoreItemTooLargeException>().With.Message.Not.Contains("\u20AC"));
        Assert.That(async () => await _store.PutIfAbsentAsync(new StoreItem(pk, "WIDE", wide), default), Throws.InstanceOf<BluBees.Aws.DynamoDb.StoreItemTooLargeException>());
        Assert.That(async () => await _store.PutIfRevisionAsync(new StoreItem(pk, "FITS", wide), 1, default), Throws.InstanceOf<BluBees.Aws.DynamoDb.StoreItemTooLargeException>());
    }

    [Test]
    public async Task Health_probe_key_and_missing_table_behave()
    {
        Assert.That(await _store.GetAsync("HEALTH", "HEALTH", default), Is.Null);
        var missing = new DynamoDbStore(new Lazy<Amazon.DynamoDBv2.IAmazonDynamoDB>(() => _table.Client), "no-such-table", _time, Microsoft.Extensions.Logging.Abstractions.NullLogger<DynamoDbStore>.Instance);
        Assert.That(async () => await missing.GetAsync("HEALTH", "HEALTH", default), Throws.InstanceOf<ResourceNotFoundException>());
    }
}
