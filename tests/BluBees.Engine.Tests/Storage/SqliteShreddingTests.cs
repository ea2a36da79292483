using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// Crypto-shredding on the embedded default: after a tenant is uninstalled, not one byte of its id, wrapped data
/// key or secret ciphertexts is left in the database file, its <c>-wal</c> or its <c>-shm</c>, neither while the
/// backend runs nor after a clean stop. Attacked with updates before the delete (old row versions), rows large
/// enough for overflow pages, several open connections, a key rotation (old wrapped versions) and other tenants
/// writing throughout.
/// </summary>
public sealed class SqliteShreddingTests
{
    private static readonly TenantId Victim = new("victim-3f9c2a71-5d4e-4b8a-9c11-7e0d2b6a8f45");
    private static CancellationToken Ct => CancellationToken.None;

    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private SqliteStore _store = null!;
    private LocalKeyRing _ring = null!;
    private TenantKeyService _keys = null!;
    private SecretCipher _cipher = null!;
    private TenantService _tenants = null!;
    private RuleCache _rules = null!;

    /// <summary>Every secret-bearing byte sequence of the victim ever written, in every form it may be stored in.</summary>
    private readonly List<(string What, byte[] Bytes)> _needles = [];

    [SetUp]
    public void Open()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(KeyHarness.Start);
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
        _ring = new LocalKeyRing(_dir.File("keyring.json"));
        _keys = new TenantKeyService(_store, new LocalKeyEncryptionProvider(_ring), _time, Options.Create(new KeyOptions()));
        _cipher = new SecretCipher(_keys);
        _rules = new RuleCache();
        _tenants = new TenantService(_store, _keys, _rules, _time);
        _needles.Clear();
        AddText("tenant id", Victim.Value);
    }

    [TearDown]
    public void Close()
    {
        _store.Dispose();
        _keys.Dispose();
        _rules.Dispose();
        _dir.Dispose();
    }

    [Test]
    public async Task UninstallLeavesNoByteOfTheTenantInTheDatabaseWalOrShm()
    {
        await InstallAsync(Victim.Value);
        await WriteConnectionsAsync(Victim, count: 5, updates: 3);
        await WriteTraceAsync(Victim);
        await InstallOthersAsync(10);
        await RememberWrappedKeyAsync();

        await _tenants.UninstallAsync(Victim, Ct);

        AssertNoNeedleInFiles("while running");
        _store.Dispose();
        AssertNoNeedleInFiles("after a clean stop");
    }

    [Test]
    public async Task OldRowVersionsFromUpdatesAndRotationAreGoneToo()
    {
        await InstallAsync(Victim.Value);
        await RememberWrappedKeyAsync();
        // Every update rewrites the row: its earlier versions were in the WAL and in freed cell space.
        await WriteConnectionsAsync(Victim, count: 2, updates: 20);
        for (var i = 0; i < 3; i++)
        {
            _ring.AddAndActivate();
            Assert.That(await _keys.ReWrapAsync(Victim, Ct), Is.True);
            await RememberWrappedKeyAsync();
        }

        await InstallOthersAsync(5);

        await _tenants.UninstallAsync(Victim, Ct);

        Assert.That(_needles.Count(n => n.What.StartsWith("wrapped key", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(4 * 3), "four wrapped versions were written");
        AssertNoNeedleInFiles("after updates and rotations");
        _store.Dispose();
        AssertNoNeedleInFiles("after a clean stop");
    }

    [Test]
    public async Task RowsSpanningOverflowPagesAreWipedWithTheirOverflowPages()
    {
        await InstallAsync(Victim.Value);
        await RememberWrappedKeyAsync();
        for (var i = 0; i < 4; i++)
        {
            // 40 KB of ciphertext in one row: ten 4 KB overflow pages each.
            var large = await _cipher.EncryptAsync(Victim, "CONN#big" + i, Convert.ToBase64String(RandomNumberGenerator.GetBytes(30_000)), Ct);
            AddCiphertext("large ciphertext " + i, large);
            await _store.PutAsync(new StoreItem(StorageKeys.Tenant(Victim.Value), StorageKeys.Connection("big" + i), StoredJson.Write(new { secretCiphertext = large })), Ct);
        }

        await InstallOthersAsync(3);

        await _tenants.UninstallAsync(Victim, Ct);

        AssertNoNeedleInFiles("overflow pages");
        _store.Dispose();
        AssertNoNeedleInFiles("after a clean stop");
    }

    [Test]
    public async Task DeletingWhileOtherTenantsKeepWritingOnManyConnectionsLeavesNothing()
    {
        await InstallOthersAsync(8);
        await InstallAsync(Victim.Value);
        await RememberWrappedKeyAsync();
        await WriteConnectionsAsync(Victim, count: 10, updates: 2);

        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var written = 0;
            while (!stop.IsCancellationRequested || written < 20)
            {
                var tenant = "other-" + (w % 8);
                var ciphertext = await _cipher.EncryptAsync(new TenantId(tenant), "CONN#w" + w, "other tenant secret " + written, Ct);
                await _store.PutAsync(new StoreItem(StorageKeys.Tenant(tenant), StorageKeys.Connection("w" + w + "-" + (written % 15)), StoredJson.Write(new { secretCiphertext = ciphertext })), Ct);
                await _store.QueryAsync(new QueryRequest(StorageKeys.Tenant(tenant), StorageKeys.ConnectionPrefix) { Limit = 5 }, Ct);
                written++;
            }

            return written;
        })).ToArray();

        await Task.Delay(100);
        await _tenants.UninstallAsync(Victim, Ct);
        await stop.CancelAsync();
        var counts = await Task.WhenAll(writers);

        Assert.That(counts, Has.All.GreaterThanOrEqualTo(20), "the other tenants kept writing throughout");
        Assert.That(await _store.GetAsync(StorageKeys.Tenant("other-1"), StorageKeys.DataKey, Ct), Is.Not.Null, "other tenants keep their keys");
        AssertNoNeedleInFiles("with concurrent writers");
        _store.Dispose();
        AssertNoNeedleInFiles("after a clean stop");
    }

    [Test]
    public async Task TheScanFindsTheTenantBeforeItIsDeleted()
    {
        // The scan itself must be able to see what it looks for, or the tests above prove nothing.
        await InstallAsync(Victim.Value);
        await RememberWrappedKeyAsync();
        await WriteConnectionsAsync(Victim, count: 1, updates: 0);

        var found = FindNeedles();

        Assert.That(found, Does.Contain("tenant id (utf-8)"));
        Assert.That(found.Any(f => f.StartsWith("wrapped key", StringComparison.Ordinal)), Is.True, string.Join(", ", found));
        Assert.That(found.Any(f => f.StartsWith("connection ciphertext", StringComparison.Ordinal)), Is.True, string.Join(", ", found));
    }

    [Test]
    public async Task WithoutSecureDeleteTheWrappedKeyWouldSurvive()
    {
        // The threat is real: the same sequence with secure_delete off and no truncating checkpoint leaves the key.
        await InstallAsync(Victim.Value);
        await RememberWrappedKeyAsync();
        await WriteConnectionsAsync(Victim, count: 3, updates: 3);
        await using (var raw = new SqliteConnection($"Data Source={_store.DatabasePath};Pooling=False"))
        {
            await raw.OpenAsync();
            await using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA secure_delete = OFF; DELETE FROM items WHERE pk = $pk;";
            command.Parameters.AddWithValue("$pk", StorageKeys.Tenant(Victim.Value));
            await command.ExecuteNonQueryAsync();
        }

        Assert.That(FindNeedles(), Is.Not.Empty);
    }

    private async Task InstallAsync(string tenantId)
        => await _tenants.InstallAsync(new TenantContext(tenantId, "cloud-" + tenantId, null), Ct);

    private async Task InstallOthersAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await InstallAsync("other-" + i);
            var ciphertext = await _cipher.EncryptAsync(new TenantId("other-" + i), "CONN#c", "secret of other " + i, Ct);
            await _store.PutAsync(new StoreItem(StorageKeys.Tenant("other-" + i), StorageKeys.Connection("c"), StoredJson.Write(new { secretCiphertext = ciphertext })), Ct);
        }
    }

    private async Task WriteConnectionsAsync(TenantId tenantId, int count, int updates)
    {
        for (var c = 0; c < count; c++)
        {
            for (var u = 0; u <= updates; u++)
            {
                var ciphertext = await _cipher.EncryptAsync(tenantId, "CONN#" + c, $"api-token-{c}-{u}-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), Ct);
                AddCiphertext($"connection ciphertext {c}.{u}", ciphertext);
                var data = StoredJson.Write(new { name = "Connection " + c, baseUrl = "https://api.example.com/" + tenantId.Value, secretCiphertext = ciphertext });
                await _store.PutAsync(new StoreItem(StorageKeys.Tenant(tenantId.Value), StorageKeys.Connection("c" + c), data), Ct);
            }
        }
    }

    /// <summary>"Why didn't it run?" entries of a rule whose id is a needle: the trace goes with the tenant too.</summary>
    private async Task WriteTraceAsync(TenantId tenantId)
    {
        const string RuleId = "rul_trace7c41e9b2d";
        var runs = new Engine.Runs.RunStore(_store, _time, Options.Create(new Engine.Execution.RunOptions()));
        await _store.ForTenant(tenantId).PutAsync(Keys.Rule(RuleId), "{}", Ct); // the rule exists (entries of a deleted one are taken back)
        var entries = Enumerable.Range(0, 60).Select(i => new Engine.Runs.Trace.RuleTraceEntry(
            RuleId, 1, _time.GetUtcNow(), "event", "avi:jira:updated:issue", "100" + i, "OPS-" + i, "conditions", "conditions.all[0]", "equals") { MessageId = "msg_" + i }).ToList();
        await runs.WriteTraceAsync(tenantId, entries, Ct);
        Assert.That(await runs.ListTraceAsync(tenantId, RuleId, Ct), Is.Not.Empty);
        AddText("trace rule id", RuleId);
    }

    private async Task RememberWrappedKeyAsync()
    {
        var item = await _store.GetAsync(StorageKeys.Tenant(Victim.Value), StorageKeys.DataKey, Ct);
        Assert.That(item, Is.Not.Null);
        var stored = StoredJson.Read<StoredDataKey>(item!.Data);
        var index = _needles.Count(n => n.What.StartsWith("wrapped key", StringComparison.Ordinal));
        AddBytes($"wrapped key #{index}", Convert.FromBase64String(stored.Wrapped));
    }

    private void AddCiphertext(string what, string ciphertext)
    {
        Assert.That(ciphertext, Does.StartWith("v1."));
        AddBytes(what, Convert.FromBase64String(ciphertext[3..]));
    }

    /// <summary>Raw bytes, plus base64 as stored (JSON may escape '+' as \u002B, so each run between them too).</summary>
    private void AddBytes(string what, byte[] raw)
    {
        _needles.Add((what + " (raw)", raw));
        // Any 16-byte window of the raw bytes would be a recoverable fragment: look for the first, middle and last.
        foreach (var start in new[] { 0, (raw.Length - 16) / 2, raw.Length - 16 })
        {
            _needles.Add((what + " (raw fragment)", raw.AsSpan(start, 16).ToArray()));
        }

        var base64 = Convert.ToBase64String(raw);
        AddText(what + " base64", base64);
        AddText(what + " json", base64.Replace("+", "\\u002B", StringComparison.Ordinal));
        foreach (var run in base64.Split('+', '/'))
        {
            if (run.Length >= 12)
            {
                AddText(what + " base64 fragment", run);
            }
        }
    }

    private void AddText(string what, string text)
    {
        _needles.Add((what + " (utf-8)", Encoding.UTF8.GetBytes(text)));
        _needles.Add((what + " (utf-16)", Encoding.Unicode.GetBytes(text)));
    }

    private List<string> FindNeedles()
    {
        var found = new List<string>();
        foreach (var file in new[] { _store.DatabasePath, _store.DatabasePath + "-wal", _store.DatabasePath + "-shm" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            foreach (var (what, needle) in _needles)
            {
                if (bytes.AsSpan().IndexOf(needle) >= 0)
                {
                    found.Add(what);
                }
            }
        }

        return found;
    }

    private void AssertNoNeedleInFiles(string when)
    {
        Assert.That(File.Exists(_store.DatabasePath), Is.True);
        var found = FindNeedles();
        Assert.That(found, Is.Empty, $"{when}: found in the SQLite files: {string.Join(", ", found.Distinct())}");
    }
}
