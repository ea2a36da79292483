using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Retention;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// An uninstall whose erase gave up (a reader held an old snapshot through every retry: an operator's
/// <c>blubees backup export</c> of a big tenant beside the backend, a <c>sqlite3</c> shell, a file-level backup tool)
/// left the tenant's wrapped data key and secret ciphertexts in the <c>-wal</c>. The erase is retried by the next
/// retention purge (docs/security.md) — but the purge erased only when it had deleted an expired item, so on a quiet
/// store the key stayed in the WAL, readable, until the backend stopped. Now every purge truncates the WAL.
/// </summary>
public sealed class EraseGivenUpTests
{
    private static readonly TenantId Victim = new("victim-0c5e8d21-77aa-4f3b-9d02-5b1e6c3f9a10");
    private static CancellationToken Ct => CancellationToken.None;

    [Test]
    public async Task An_uninstall_erase_given_up_behind_a_reader_is_finished_by_the_next_purge_even_when_nothing_expired()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(KeyHarness.Start);
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dir.Path }), time);
        using var keys = new TenantKeyService(store, new LocalKeyEncryptionProvider(new LocalKeyRing(dir.File("keyring.json"))), time, Options.Create(new KeyOptions()));
        using var rules = new RuleCache();
        var cipher = new SecretCipher(keys);
        var tenants = new TenantService(store, keys, rules, time);
        await tenants.InstallAsync(new TenantContext(Victim.Value, "cloud-victim", null), Ct);
        await tenants.InstallAsync(new TenantContext("bystander", "cloud-bystander", null), Ct);
        var ciphertext = await cipher.EncryptAsync(Victim, "CONN#c1", "victim-api-token-5d1f0e", Ct);
        await store.PutAsync(new StoreItem(StorageKeys.Tenant(Victim.Value), StorageKeys.Connection("c1"), StoredJson.Write(new { secretCiphertext = ciphertext })), Ct);
        var wrapped = StoredJson.Read<StoredDataKey>((await store.GetAsync(StorageKeys.Tenant(Victim.Value), StorageKeys.DataKey, Ct))!.Data).Wrapped;
        var needles = new Dictionary<string, string> { ["tenant id"] = Victim.Value, ["wrapped data key"] = wrapped, ["secret ciphertext"] = ciphertext[3..] };
        Assert.That(FileScan.Find(FileScan.SqliteFiles(store), needles.Select(n => (n.Key, n.Value))), Is.Not.Empty, "control: the scan sees the tenant before the uninstall");

        // A reader on an old snapshot for longer than the erase retries (about 10 s).
        await using (var reader = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False"))
        {
            await reader.OpenAsync();
            await using (var begin = reader.CreateCommand())
            {
                begin.CommandText = "BEGIN; SELECT COUNT(*) FROM items;";
                await begin.ExecuteScalarAsync();
            }

            await tenants.UninstallAsync(Victim, Ct);
            Assert.That(await store.GetAsync(StorageKeys.Tenant(Victim.Value), StorageKeys.DataKey, Ct), Is.Null, "the data key's row is deleted");
            Assert.That(FileScan.Find(FileScan.SqliteFiles(store), needles.Select(n => (n.Key, n.Value))), Is.Not.Empty, "control: the erase could not finish behind the reader");
            await using var end = reader.CreateCommand();
            end.CommandText = "COMMIT;";
            await end.ExecuteNonQueryAsync();
        }

        // The next retention purge; nothing has expired (the bystander has no item with an expiry).
        var purged = await new RetentionPurger(store, time, Options.Create(new RetentionOptions()), NullLogger<RetentionPurger>.Instance).PurgeAsync(Ct);

        Assert.That(purged, Is.Zero);
        Assert.That(FileScan.Find(FileScan.SqliteFiles(store), needles.Select(n => (n.Key, n.Value))), Is.Empty, "readable in the SQLite files after the purge");
        Assert.That(await store.GetAsync(StorageKeys.Tenant("bystander"), StorageKeys.DataKey, Ct), Is.Not.Null, "control: other tenants keep their keys");
    }

}
