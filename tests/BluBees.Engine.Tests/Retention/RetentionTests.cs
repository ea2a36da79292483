using BluBees.Engine.Common;
using BluBees.Engine.Retention;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Retention;

/// <summary>
/// Expired items are deleted from the embedded store, not only hidden; in bounded batches, on the injected clock's
/// schedule; the file stops growing; and a run's expiry is fixed when it is written, whatever the setting later says.
/// </summary>
public sealed class RetentionTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => CancellationToken.None;

    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private SqliteStore _store = null!;

    [SetUp]
    public void Open()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(Start);
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
    }

    [TearDown]
    public void Close()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private RetentionPurger Purger(int batchSize = 500, IExpiredItemPurger? purger = null)
        => new(purger ?? _store, _time, Options.Create(new RetentionOptions { BatchSize = batchSize }), NullLogger<RetentionPurger>.Instance);

    private long Expiry(TimeSpan after) => (_time.GetUtcNow() + after).ToUnixTimeSeconds();

    /// <summary>Rows physically in the file, expired or not (reads through the store would hide expired ones).</summary>
    private long RawCount(string? skPrefix = null)
    {
        using var connection = new SqliteConnection($"Data Source={_store.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM items WHERE $prefix IS NULL OR substr(sk, 1, length($prefix)) = $prefix;";
        command.Parameters.AddWithValue("$prefix", (object?)skPrefix ?? DBNull.Value);
        return (long)command.ExecuteScalar()!;
    }

    [Test]
    public async Task EveryKindOfExpiringItemIsDeletedAndNothingElse()
    {
        var pk = StorageKeys.Tenant("t1");
        var expiring = new[]
        {
            StorageKeys.Run("run1"), StorageKeys.IssueRun("OPS-1", "run1"), "LASTRUN#rule1", StorageKeys.Dedup("d1"),
            StorageKeys.LoopPrefix("rule1", "OPS-1") + "1", StorageKeys.AuditPrefix + "a1", StorageKeys.GrantPrefix + "g1",
            StorageKeys.WebhookPrefix + "h1#DELIVERY#m1",
        };
        foreach (var sk in expiring)
        {
            await _store.PutAsync(new StoreItem(pk, sk, "{}", Expiry(TimeSpan.FromHours(1))), Ct);
        }

        await _store.PutAsync(new StoreItem(pk, StorageKeys.Run("run2"), "{}", Expiry(TimeSpan.FromDays(3))), Ct);
        await _store.PutAsync(new StoreItem(pk, StorageKeys.Connection("c1"), "{}"), Ct);
        await _store.PutAsync(new StoreItem(pk, StorageKeys.DataKey, "{}"), Ct);
        _time.Advance(TimeSpan.FromHours(2));

        var deleted = await Purger().PurgeAsync(Ct);

        Assert.That(deleted, Is.EqualTo(expiring.Length));
        Assert.That(RawCount(), Is.EqualTo(3), "the unexpired run, the connection and the key stay");
        foreach (var sk in expiring)
        {
            Assert.That(RawCount(sk), Is.Zero, sk);
        }

        Assert.That(await _store.GetAsync(pk, StorageKeys.Run("run2"), Ct), Is.Not.Null);
        Assert.That(await _store.GetAsync(pk, StorageKeys.Connection("c1"), Ct), Is.Not.Null);
    }

    [Test]
    public async Task AnItemExpiringExactlyNowIsDeletedOneExpiringLaterIsNot()
    {
        await _store.PutAsync(new StoreItem("T#t", "DEDUP#now", "{}", Expiry(TimeSpan.Zero)), Ct);
        await _store.PutAsync(new StoreItem("T#t", "DEDUP#later", "{}", Expiry(TimeSpan.FromSeconds(1))), Ct);

        Assert.That(await Purger().PurgeAsync(Ct), Is.EqualTo(1));
        Assert.That(RawCount("DEDUP#later"), Is.EqualTo(1));
    }

    [Test]
    public async Task DeletionHappensInBoundedBatchesUntilNothingExpiredIsLeft()
    {
        for (var i = 0; i < 95; i++)
        {
            await _store.PutAsync(new StoreItem("T#t", "DEDUP#" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), "{}", Expiry(TimeSpan.FromMinutes(1))), Ct);
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        var counting = new CountingPurger(_store);

        var deleted = await Purger(batchSize: 10, counting).PurgeAsync(Ct);

        Assert.That(deleted, Is.EqualTo(95));
        Assert.That(counting.Batches, Has.All.LessThanOrEqualTo(10));
        Assert.That(counting.Batches, Has.Count.EqualTo(10));
        Assert.That(RawCount(), Is.Zero);
    }

    [Test]
    public async Task TheFileStopsGrowingAcrossRepeatedWriteExpirePurgeCycles()
    {
        var payload = "{\"pad\":\"" + new string('x', 900) + "\"}";
        var pagesAfterCycle = new List<long>();
        for (var cycle = 0; cycle < 8; cycle++)
        {
            for (var i = 0; i < 400; i++)
            {
                var runId = Ids.NewRunId(_time.GetUtcNow());
                await _store.PutAsync(new StoreItem("T#t" + (i % 7), StorageKeys.Run(runId), payload, Expiry(TimeSpan.FromHours(1))), Ct);
            }

            // One item that never expires per cycle: the live data grows a little, the file must only track it.
            await _store.PutAsync(new StoreItem("T#t", "CONN#" + cycle, "{}"), Ct);
            _time.Advance(TimeSpan.FromHours(2));
            Assert.That(await Purger(batchSize: 100).PurgeAsync(Ct), Is.EqualTo(400));
            pagesAfterCycle.Add(_store.PageCounts().Pages);
        }

        var fileBytes = new FileInfo(_store.DatabasePath).Length;
        Assert.That(pagesAfterCycle[^1], Is.LessThanOrEqualTo(pagesAfterCycle[1]), string.Join(", ", pagesAfterCycle));
        Assert.That(pagesAfterCycle.Max(), Is.LessThan(40), "400 rows of 1 KB would be ~100+ pages if they were kept");
        Assert.That(fileBytes, Is.LessThan(40 * 4096 + 1), "the file itself shrank back (incremental vacuum)");
        Assert.That(_store.PageCounts().FreePages, Is.Zero);
        Assert.That(File.Exists(_store.DatabasePath + "-wal") ? new FileInfo(_store.DatabasePath + "-wal").Length : 0, Is.Zero, "the WAL was truncated");
    }

    [Test]
    public async Task TheServicePurgesAtStartAndThenOnTheInjectedClocksSchedule()
    {
        await _store.PutAsync(new StoreItem("T#t", "DEDUP#old", "{}", Expiry(TimeSpan.FromMinutes(-1))), Ct);
        var options = Options.Create(new RetentionOptions { PurgeInterval = TimeSpan.FromMinutes(10) });
        using var service = new RetentionService(_store, _time, options, NullLoggerFactory.Instance);

        await service.StartAsync(Ct);
        try
        {
            await Eventually(() => RawCount("DEDUP#old") == 0, "purged at start");
            await _store.PutAsync(new StoreItem("T#t", "DEDUP#next", "{}", Expiry(TimeSpan.FromMinutes(5))), Ct);
            _time.Advance(TimeSpan.FromMinutes(6));
            Assert.That(RawCount("DEDUP#next"), Is.EqualTo(1), "expired, but the next purge is not due yet");
            Assert.That(await _store.GetAsync("T#t", "DEDUP#next", Ct), Is.Null, "reads hide it meanwhile");

            // Then the clock moves on a minute at a time: the item goes once the interval has passed (the exact
            // minute depends on when the loop armed its timer, so no exact instant is asserted).
            for (var minute = 7; minute <= 25 && RawCount("DEDUP#next") > 0; minute++)
            {
                _time.Advance(TimeSpan.FromMinutes(1));
                await Eventually(() => RawCount("DEDUP#next") == 0 || minute < 10, "waiting", attempts: 20, assert: false);
            }

            await Eventually(() => RawCount("DEDUP#next") == 0, "purged at the next interval");
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }

    [Test]
    public async Task RaisingRetentionAfterARunExpiredDoesNotBringItBack()
    {
        var shortRuns = NewRunStore(retentionDays: 1);
        var run = Run(_time.GetUtcNow(), "OPS-7");
        await shortRuns.WriteAsync(new TenantId("t1"), run, Ct);
        _time.Advance(TimeSpan.FromDays(2));

        var longRuns = NewRunStore(retentionDays: 400);

        Assert.That(await longRuns.GetAsync(new TenantId("t1"), run.Id, Ct), Is.Null);
        Assert.That((await longRuns.ListAsync(new TenantId("t1"), new RunFilter(null, null, null, null, 50, null), Ct)).Items, Is.Empty);
        Assert.That(await longRuns.ListForIssueAsync(new TenantId("t1"), "10001", "OPS-7", 10, Ct), Is.Empty);
        Assert.That(await longRuns.LastRunAsync(new TenantId("t1"), run.RuleId, Ct), Is.Null);
        await Purger().PurgeAsync(Ct);
        Assert.That(RawCount(), Is.Zero, "run, issue pointer and last-run marker are deleted");
    }

    [Test]
    public async Task LoweringThenRaisingRetentionNeverResurrectsAnything()
    {
        var run = Run(_time.GetUtcNow(), "OPS-8");
        await NewRunStore(retentionDays: 30).WriteAsync(new TenantId("t1"), run, Ct);

        // Lowered: runs already written keep the expiry they were written with.
        _time.Advance(TimeSpan.FromDays(5));
        Assert.That(await NewRunStore(retentionDays: 1).GetAsync(new TenantId("t1"), run.Id, Ct), Is.Not.Null);

        // Past the written expiry: gone whatever the setting, before and after the purge.
        _time.Advance(TimeSpan.FromDays(26));
        foreach (var days in new[] { 1, 30, 400 })
        {
            Assert.That(await NewRunStore(days).GetAsync(new TenantId("t1"), run.Id, Ct), Is.Null, $"RetentionDays={days}");
        }

        await Purger().PurgeAsync(Ct);
        Assert.That(await NewRunStore(400).GetAsync(new TenantId("t1"), run.Id, Ct), Is.Null);
        Assert.That(RawCount(), Is.Zero);
    }

    [Test]
    public async Task ARunWithAFutureStartTimeCannotExtendItsRetention()
    {
        var run = Run(_time.GetUtcNow().AddDays(300), "OPS-9");
        await NewRunStore(retentionDays: 1).WriteAsync(new TenantId("t1"), run, Ct);

        var item = await _store.GetAsync(StorageKeys.Tenant("t1"), StorageKeys.Run(run.Id), Ct);

        Assert.That(item!.ExpiresAt, Is.EqualTo(Expiry(TimeSpan.FromDays(1))));
    }

    private RunStore NewRunStore(int retentionDays) => new(_store, _time, Options.Create(new RunOptions { RetentionDays = retentionDays }));

    private static RunRecord Run(DateTimeOffset at, string issueKey)
        => new(Ids.NewRunId(at), "rule_1", 1, "forge", "avi:jira:updated:issue", "10001", issueKey, at, 12, "succeeded", null, []);

    private static async Task Eventually(Func<bool> condition, string what, int attempts = 400, bool assert = true)
    {
        // A generous wait for the background loop to run; the schedule itself is driven by the fake clock.
        for (var i = 0; i < attempts && !condition(); i++)
        {
            await Task.Delay(25);
        }

        if (assert)
        {
            Assert.That(condition(), Is.True, what);
        }
    }

    private sealed class CountingPurger(IExpiredItemPurger inner) : IExpiredItemPurger
    {
        public List<int> Batches { get; } = [];

        public async Task<int> DeleteExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken ct)
        {
            var deleted = await inner.DeleteExpiredAsync(now, batchSize, ct);
            Batches.Add(deleted);
            return deleted;
        }

        public Task CompactAsync(CancellationToken ct) => inner.CompactAsync(ct);

        public void RebuildAtNextPurge() => inner.RebuildAtNextPurge();
    }
}
