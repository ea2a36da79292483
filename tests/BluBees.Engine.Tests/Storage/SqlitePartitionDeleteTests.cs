using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// A tenant's partition (its whole history at uninstall) is deleted in bounded transactions, so the write lock every
/// other tenant's writes need is never held for the size of one tenant's data: each transaction removes at most the
/// batch, and the batches together remove the partition and nothing else.
/// </summary>
public sealed class SqlitePartitionDeleteTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private TempDirectory _dir = null!;
    private SqliteStore _store = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), new FakeTimeProvider());
    }

    [TearDown]
    public void TearDown()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Test]
    public async Task One_transaction_of_a_partition_delete_removes_at_most_the_batch()
    {
        await FillAsync("T#big", 25);

        Assert.That(await _store.DeletePartitionBatchAsync("T#big", 10, Ct), Is.EqualTo(10));
        Assert.That(await CountAsync("T#big"), Is.EqualTo(15));
    }

    [Test]
    public async Task The_batches_delete_the_whole_partition_and_no_other()
    {
        await FillAsync("T#big", 25);
        await FillAsync("T#bigger", 3);
        await FillAsync("T#bi", 3);

        Assert.That(await _store.DeletePartitionAsync("T#big", 10, Ct), Is.EqualTo(25));
        Assert.Multiple(async () =>
        {
            Assert.That(await CountAsync("T#big"), Is.Zero);
            Assert.That(await CountAsync("T#bigger"), Is.EqualTo(3));
            Assert.That(await CountAsync("T#bi"), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task The_contracts_delete_uses_batches_no_larger_than_the_constant()
    {
        await FillAsync("T#many", SqliteStore.PartitionDeleteBatch + 7);

        Assert.That(await _store.DeletePartitionBatchAsync("T#many", SqliteStore.PartitionDeleteBatch, Ct), Is.EqualTo(SqliteStore.PartitionDeleteBatch));
        Assert.That(await _store.DeletePartitionAsync("T#many", Ct), Is.EqualTo(7));
        Assert.That(await CountAsync("T#many"), Is.Zero);
    }

    private async Task FillAsync(string pk, int count)
        => await _store.PutManyAsync([.. Enumerable.Range(0, count).Select(i => new StoreItem(pk, $"RUN#{i:D5}", "{}"))], Ct);

    private async Task<int> CountAsync(string pk)
        => (await _store.QueryAsync(new QueryRequest(pk, string.Empty) { Limit = 1000 }, Ct)).Items.Count;
}
