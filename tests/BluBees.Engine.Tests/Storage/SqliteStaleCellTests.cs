using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Retention;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// <c>secure_delete</c> zeroes deleted cells and freed pages, but a b-tree rebalance that rebuilds a page leaves copies
/// of the cells it moved to a sibling in the page's unallocated space, which no later delete overwrites. Found by an
/// adversarial sweep: after an uninstall through the API, the tenant's id (with the sort keys of its grants and rule
/// versions) was in the main database file about one run in four. A store with a mix of tenants, inserts and
/// overwrites of varied sizes reproduces it (the control shows the plain delete and WAL truncation leave a copy);
/// the uninstall now rebuilds the file (<c>VACUUM</c>), and nothing of the tenant is left. The same holds for a
/// connection deleted while its tenant stays installed (its secret's ciphertext, which the live data key opens): the
/// next retention purge rebuilds the file.
/// </summary>
public sealed class SqliteStaleCellTests
{
    // Seeds whose operation sequence leaves a stale copy without the rebuild (about one in four does).
    private static readonly int[] Seeds = [5, 15, 18, 19, 20, 22, 23];
    private static CancellationToken Ct => CancellationToken.None;

    [Test]
    public async Task An_uninstall_leaves_no_stale_copy_of_the_tenants_rows_in_the_pages_unallocated_space()
    {
        var found = new List<string>();
        foreach (var seed in Seeds)
        {
            await using var scenario = await Scenario.RunAsync(seed);
            await scenario.Tenants.UninstallAsync(scenario.Victim, Ct);
            found.AddRange(scenario.Found().Select(f => $"seed {seed}: {f}"));
            scenario.Store.Dispose();
            found.AddRange(scenario.Found().Select(f => $"seed {seed}, after a clean stop: {f}"));
        }

        Assert.That(found, Is.Empty, "left in the SQLite files after the uninstall");
    }

    [Test]
    public async Task Control_without_the_rebuild_the_same_deletes_leave_a_stale_copy()
    {
        var found = new List<string>();
        foreach (var seed in Seeds)
        {
            await using var scenario = await Scenario.RunAsync(seed);
            await scenario.Store.DeletePartitionAsync(StorageKeys.Tenant(scenario.Victim.Value), Ct);
            await scenario.Store.DeleteAsync(StorageKeys.DirectoryPk, StorageKeys.DirectoryEntry(scenario.Victim.Value), Ct);
            Assert.That(await scenario.Store.EraseResidueAsync(Ct), Is.True);
            found.AddRange(scenario.Found());
        }

        Assert.That(found, Is.Not.Empty, "the scan finds what secure_delete and the WAL's truncation leave behind");
        Assert.That(found, Has.All.EndsWith("blubees.db"), "in the main file, not the WAL");
    }

    [Test]
    public async Task Secrets_deleted_while_the_tenant_stays_installed_leave_no_stale_copy_after_the_next_purge()
    {
        // Seeds whose operation sequence leaves a stale copy of a deleted connection's row (about one in three does).
        int[] seeds = [1, 2, 6, 7, 10];
        var beforePurge = new List<string>();
        var afterPurge = new List<string>();
        foreach (var seed in seeds)
        {
            var rnd = new Random(seed);
            using var dir = new TempDirectory();
            var time = new FakeTimeProvider(KeyHarness.Start);
            using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
            var secrets = new List<string>();
            var connections = new HashSet<string>(StringComparer.Ordinal);
            var written = new List<(string Pk, string Sk)>();
            string[] prefixes = ["RUN#", "GRANT#", "RULEV#rule_x#", "IRUN#OPS-1#", "DEDUP#", "CONN#"];
            for (var i = 0; i < 600; i++)
            {
                if (rnd.NextDouble() < 0.3 && written.Count > 0)
                {
                    var (pk, sk) = written[rnd.Next(written.Count)];
                    await store.PutAsync(new StoreItem(pk, sk, Scenario.Data('y', rnd.Next(10, 1500)), Later(rnd)), Ct);
                    continue;
                }

                if (rnd.Next(10) == 0)
                {
                    // The installed tenant's connection, its secret's ciphertext standing for itself (the live data key opens it).
                    var connection = StorageKeys.Connection("v" + rnd.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    var secret = "secretCiphertext" + rnd.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
                    secrets.Add(secret);
                    connections.Add(connection);
                    await store.PutAsync(new StoreItem(StorageKeys.Tenant("installed"), connection, "{\"secretCiphertext\":\"" + secret + new string('z', rnd.Next(10, 600)) + "\"}"), Ct);
                    continue;
                }

                var tenant = StorageKeys.Tenant("other" + rnd.Next(5).ToString(System.Globalization.CultureInfo.InvariantCulture));
                var key = prefixes[rnd.Next(prefixes.Length)] + rnd.NextInt64(10_000_000_000).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
                await store.PutAsync(new StoreItem(tenant, key, Scenario.Data('x', rnd.Next(10, 1500)), Later(rnd)), Ct);
                written.Add((tenant, key));
            }

            // The admin deletes the connections (ConnectionService: the delete, then the erase every such delete runs).
            foreach (var connection in connections)
            {
                await store.DeleteAsync(StorageKeys.Tenant("installed"), connection, Ct);
                Assert.That(await ResidueErasure.AfterDeleteAsync(store), Is.True);
            }

            beforePurge.AddRange(FileScan.Find(FileScan.SqliteFiles(store), secrets).Select(f => $"seed {seed}: {f}"));
            await new RetentionPurger(store, time, Options.Create(new RetentionOptions()), NullLogger<RetentionPurger>.Instance).PurgeAsync(Ct);
            afterPurge.AddRange(FileScan.Find(FileScan.SqliteFiles(store), secrets).Select(f => $"seed {seed}: {f}"));
        }

        Assert.That(beforePurge, Is.Not.Empty, "control: the erase of the WAL alone leaves a stale copy in a page's unallocated space");
        Assert.That(afterPurge, Is.Empty, "a deleted connection's secret is still in the SQLite files after the next purge");
    }

    [Test]
    public async Task A_rebuild_asked_for_before_a_restart_is_done_by_the_first_purge_after_it()
    {
        // A rule deleted (its definitions in clear), then the backend stopped before the purge that was to rebuild the file
        // (a deploy, a restart, a crash): the request lived in the process's memory only, and the first purge of the next
        // process rebuilt nothing when nothing had expired, so a stale copy of the definition stayed in the file for as
        // long as nothing expired (for good on a quiet store). The request is kept in the file now.
        int[] seeds = [1, 2, 6, 7, 10];
        var beforeRestart = new List<string>();
        var afterPurge = new List<string>();
        foreach (var seed in seeds)
        {
            var rnd = new Random(seed);
            using var dir = new TempDirectory();
            var time = new FakeTimeProvider(KeyHarness.Start);
            var definitions = new List<string>();
            var versions = new HashSet<string>(StringComparer.Ordinal);
            using (var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time))
            {
                var written = new List<(string Pk, string Sk)>();
                string[] prefixes = ["RUN#", "GRANT#", "RULEV#rule_x#", "IRUN#OPS-1#", "DEDUP#", "CONN#"];
                for (var i = 0; i < 600; i++)
                {
                    if (rnd.NextDouble() < 0.3 && written.Count > 0)
                    {
                        var (pk, sk) = written[rnd.Next(written.Count)];
                        await store.PutAsync(new StoreItem(pk, sk, Scenario.Data('y', rnd.Next(10, 1500)), Later(rnd)), Ct);
                        continue;
                    }

                    if (rnd.Next(10) == 0)
                    {
                        // A version of the installed tenant's rule: its definition, in clear.
                        var version = StorageKeys.RuleVersion("deleted", rnd.Next(1, 100_000));
                        var definition = "ruleDefinition" + rnd.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
                        definitions.Add(definition);
                        versions.Add(version);
                        await store.PutAsync(new StoreItem(StorageKeys.Tenant("installed"), version, "{\"definition\":\"" + definition + new string('z', rnd.Next(10, 600)) + "\"}"), Ct);
                        continue;
                    }

                    var tenant = StorageKeys.Tenant("other" + rnd.Next(5).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    var key = prefixes[rnd.Next(prefixes.Length)] + rnd.NextInt64(10_000_000_000).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
                    await store.PutAsync(new StoreItem(tenant, key, Scenario.Data('x', rnd.Next(10, 1500)), Later(rnd)), Ct);
                    written.Add((tenant, key));
                }

                // The admin deletes the rule (RuleService: its versions, then the erase every such delete runs).
                foreach (var version in versions)
                {
                    await store.DeleteAsync(StorageKeys.Tenant("installed"), version, Ct);
                }

                Assert.That(await ResidueErasure.AfterDeleteAsync(store), Is.True);
                beforeRestart.AddRange(FileScan.Find(FileScan.SqliteFiles(store), definitions).Select(f => $"seed {seed}: {f}"));
            }

            // The next process on the same files: its first purge (at start; nothing has expired).
            using var next = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
            await new RetentionPurger(next, time, Options.Create(new RetentionOptions()), NullLogger<RetentionPurger>.Instance).PurgeAsync(Ct);
            afterPurge.AddRange(FileScan.Find(FileScan.SqliteFiles(next), definitions).Select(f => $"seed {seed}: {f}"));
        }

        Assert.That(beforeRestart, Is.Not.Empty, "control: the erase of the WAL alone leaves a stale copy in a page's unallocated space");
        Assert.That(afterPurge, Is.Empty, "a deleted rule's definition is still in the SQLite file after the first purge of the next process");
    }

    [Test]
    public async Task A_key_rotation_leaves_no_stale_copy_of_a_data_key_as_wrapped_before()
    {
        // Seeds whose operation sequence leaves a stale copy of a KEY row without the rebuild (about one in fifteen does).
        int[] seeds = [2, 10];
        var left = new List<string>();
        foreach (var seed in seeds)
        {
            var rnd = new Random(seed);
            using var dir = new TempDirectory();
            var time = new FakeTimeProvider(KeyHarness.Start);
            using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
            var ring = new LocalKeyRing(dir.File("keyring.json"));
            using var keys = new TenantKeyService(store, new LocalKeyEncryptionProvider(ring), time, Options.Create(new KeyOptions()));
            var tenants = Enumerable.Range(0, 12).Select(i => new TenantId("tenant-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            var wrappedBefore = new List<string>();
            var written = new List<(string Pk, string Sk)>();
            string[] prefixes = ["RUN#", "GRANT#", "RULEV#rule_x#", "IRUN#OPS-1#", "DEDUP#", "CONN#"];
            for (var i = 0; i < 600; i++)
            {
                if (i % 50 == 0 && i / 50 < tenants.Count)
                {
                    await keys.GetOrCreateAsync(tenants[i / 50], Ct); // the tenants install over time, amid the others' writes
                }

                if (rnd.NextDouble() < 0.3 && written.Count > 0)
                {
                    var (pk, sk) = written[rnd.Next(written.Count)];
                    await store.PutAsync(new StoreItem(pk, sk, Scenario.Data('y', rnd.Next(10, 1500)), Later(rnd)), Ct);
                    continue;
                }

                var tenant = StorageKeys.Tenant(tenants[rnd.Next(tenants.Count)].Value);
                var key = prefixes[rnd.Next(prefixes.Length)] + rnd.NextInt64(10_000_000_000).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
                await store.PutAsync(new StoreItem(tenant, key, Scenario.Data('x', rnd.Next(10, 1500)), Later(rnd)), Ct);
                written.Add((tenant, key));
            }

            foreach (var tenant in tenants)
            {
                wrappedBefore.Add(StoredJson.Write(StoredJson.Read<StoredDataKey>((await store.GetAsync(StorageKeys.Tenant(tenant.Value), StorageKeys.DataKey, Ct))!.Data).Wrapped)[1..^1]);
            }

            // blubees keys rotate: a new current key, every data key re-wrapped under it, the residue erased.
            ring.AddAndActivate();
            foreach (var tenant in tenants)
            {
                Assert.That(await keys.ReWrapAsync(tenant, Ct), Is.True);
            }

            Assert.That(await keys.EraseReWrappedResidueAsync(), Is.True);
            left.AddRange(FileScan.Find(FileScan.SqliteFiles(store), wrappedBefore).Select(f => $"seed {seed}: {f}"));
        }

        Assert.That(left, Is.Empty, "a data key as wrapped under the replaced key-encryption key is still in the SQLite files");
    }

    /// <summary>An expiry after the purge below (nothing of the scenario expires: the purge must not delete the pages away).</summary>
    private static long Later(Random rnd) => KeyHarness.Start.ToUnixTimeSeconds() + rnd.Next(3_600, 30 * 86_400);

    /// <summary>A victim and five other tenants, 600 writes: inserts and overwrites of rows of 10 to 1 500 bytes.</summary>
    private sealed class Scenario : IAsyncDisposable
    {
        private readonly TempDirectory _dir = new();
        private readonly FakeTimeProvider _time = new(KeyHarness.Start);
        private readonly TenantKeyService _keys;
        private readonly RuleCache _rules = new();
        private readonly Dictionary<string, byte[]> _needles = [];

        private Scenario(int seed)
        {
            Random = new Random(seed);
            Store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
            _keys = new TenantKeyService(Store, new LocalKeyEncryptionProvider(new LocalKeyRing(_dir.File("keyring.json"))), _time, Options.Create(new KeyOptions()));
            Tenants = new TenantService(Store, _keys, _rules, _time);
            Victim = new TenantId(NewTenantId());
        }

        public Random Random { get; }
        public SqliteStore Store { get; }
        public TenantService Tenants { get; }
        public TenantId Victim { get; }

        public static async Task<Scenario> RunAsync(int seed)
        {
            var s = new Scenario(seed);
            var rnd = s.Random;
            var others = Enumerable.Range(0, 5).Select(_ => s.NewTenantId()).ToArray();
            await s.Tenants.InstallAsync(new TenantContext(s.Victim.Value, "cloud", null), Ct);
            var wrapped = StoredJson.Read<StoredDataKey>((await s.Store.GetAsync(StorageKeys.Tenant(s.Victim.Value), StorageKeys.DataKey, Ct))!.Data).Wrapped;
            s._needles["tenant id"] = Encoding.UTF8.GetBytes(s.Victim.Value);
            s._needles["wrapped data key"] = Encoding.UTF8.GetBytes(wrapped);
            var written = new List<(string Pk, string Sk)>();
            string[] prefixes = ["RUN#", "GRANT#", "RULEV#rule_x#", "IRUN#OPS-1#", "DEDUP#", "CONN#"];
            for (var i = 0; i < 600; i++)
            {
                if (rnd.NextDouble() < 0.3 && written.Count > 0)
                {
                    var (pk, sk) = written[rnd.Next(written.Count)];
                    await s.Store.PutAsync(new StoreItem(pk, sk, Data('y', rnd.Next(10, 1500)), rnd.Next(1, 1_000_000_000)), Ct);
                    continue;
                }

                var tenant = rnd.Next(3) == 0 ? s.Victim.Value : others[rnd.Next(others.Length)];
                var prefix = prefixes[rnd.Next(prefixes.Length)];
                var key = prefix + rnd.NextInt64(10_000_000_000).ToString("D10", System.Globalization.CultureInfo.InvariantCulture) + "-" + rnd.Next().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
                long? expires = prefix is "CONN#" or "RULEV#rule_x#" ? null : rnd.Next(1, 1_000_000_000);
                await s.Store.PutAsync(new StoreItem(StorageKeys.Tenant(tenant), key, Data('x', rnd.Next(10, 1500)), expires), Ct);
                written.Add((StorageKeys.Tenant(tenant), key));
            }

            return s;
        }

        /// <summary>Which needle is in which of the database, its <c>-wal</c> and its <c>-shm</c>.</summary>
        public List<string> Found() => FileScan.Find(FileScan.SqliteFiles(Store), _needles.Select(n => (n.Key, n.Value)));

        public ValueTask DisposeAsync()
        {
            Store.Dispose();
            _keys.Dispose();
            _rules.Dispose();
            _dir.Dispose();
            return ValueTask.CompletedTask;
        }

        private string NewTenantId() => "ari:cloud:ecosystem::installation/" + new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)Random.Next(256))]);

        internal static string Data(char fill, int length) => "{\"v\":\"" + new string(fill, length) + "\"}";
    }
}
