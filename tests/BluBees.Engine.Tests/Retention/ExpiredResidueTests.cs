using System.Globalization;
using System.Text;
using BluBees.Engine.Retention;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Retention;

/// <summary>
/// Items deleted by the retention purge (runs and their issue pointers, markers) must not stay readable in the SQLite
/// file. <c>secure_delete</c> zeroes the deleted cells, but a b-tree rebalance leaves stale copies of moved cells in a
/// page's unallocated space (SqliteStaleCellTests): an expired issue pointer's key (the issue key) was still in the file
/// after the purge in most operation sequences. A purge that deleted expired items now rebuilds the file (<c>VACUUM</c>),
/// at most once per <see cref="RetentionOptions.RebuildInterval"/>.
/// </summary>
public sealed class ExpiredResidueTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Test]
    public async Task The_purge_leaves_no_stale_copy_of_an_expired_item_in_the_file()
    {
        // Seeds whose operation sequence leaves a stale copy without the rebuild (most do).
        int[] seeds = [1, 5, 6, 7, 8];
        var left = new List<string>();
        foreach (var seed in seeds)
        {
            var rnd = new Random(seed);
            using var dir = new TempDirectory();
            var time = new FakeTimeProvider(KeyHarness.Start);
            using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var expiring = new List<string>();
            var written = new List<(string Pk, string Sk, long Expires)>();
            for (var i = 0; i < 600; i++)
            {
                if (rnd.NextDouble() < 0.3 && written.Count > 0)
                {
                    var (pk, sk, expires) = written[rnd.Next(written.Count)];
                    await store.PutAsync(new StoreItem(pk, sk, Data('y', rnd.Next(10, 1500)), expires), Ct);
                    continue;
                }

                // A third are issue pointers expiring within the hour (their key holds the issue key), the rest runs kept 90 days.
                var soon = rnd.Next(3) == 0;
                var key = soon
                    ? StorageKeys.IssueRun("ISSUE" + rnd.NextInt64().ToString("x16", CultureInfo.InvariantCulture), "run")
                    : StorageKeys.Run(rnd.NextInt64(10_000_000_000).ToString("D10", CultureInfo.InvariantCulture));
                if (soon)
                {
                    expiring.Add(key[..^4]);
                }

                var tenant = StorageKeys.Tenant("tenant" + rnd.Next(6).ToString(CultureInfo.InvariantCulture));
                var expiry = now + (soon ? 3_600 : 90 * 86_400);
                await store.PutAsync(new StoreItem(tenant, key, Data('x', rnd.Next(10, 1500)), expiry), Ct);
                written.Add((tenant, key, expiry));
            }

            time.Advance(TimeSpan.FromHours(2));
            var purged = await new RetentionPurger(store, time, Options.Create(new RetentionOptions()), NullLogger<RetentionPurger>.Instance).PurgeAsync(Ct);

            Assert.That(purged, Is.GreaterThan(0), "control: the issue pointers expired and were deleted");
            var bytes = File.ReadAllBytes(store.DatabasePath).Concat(File.Exists(store.DatabasePath + "-wal") ? File.ReadAllBytes(store.DatabasePath + "-wal") : []).ToArray();
            left.AddRange(expiring.Where(k => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(k)) >= 0).Select(k => $"seed {seed}: {k}"));
        }

        Assert.That(left, Is.Empty, "expired and purged, still readable in the SQLite files");
    }

    private static string Data(char fill, int length) => "{\"v\":\"" + new string(fill, length) + "\"}";
}
