using System.Security.Cryptography;
using System.Text.Json;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// Each stored secret has a key share of its own beside the key ring (<c>tenant-keys/&lt;tenant hash&gt;.secrets/</c>):
/// deleting or replacing the secret deletes the share, so no copy of its ciphertext opens again while the tenant stays
/// installed. These cover what the API tests (<c>OldDatabaseCopyTests</c>) cannot reach: a crash between the write that
/// removed a secret and its share's delete, a share written for a write that never happened, and the flush of the
/// directory entries.
/// </summary>
public sealed class SecretShareTests
{
    private static readonly TenantId Tenant = new("tenant-shares");
    private KeyHarness _h = null!;

    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateHarness()
    {
        _h = new KeyHarness();
        _h.Time.SetUtcNow(DateTimeOffset.UtcNow); // share files carry the file system's real times
    }

    [TearDown]
    public void DisposeHarness() => _h.Dispose();

    private static ConnectionInput Input(string secret) => JsonSerializer.Deserialize<ConnectionInput>(
        $$"""{"name":"Ticketing","baseUrl":"https://tickets.example.com/api","auth":{"type":"bearer"},"secret":"{{secret}}"}""", JsonDefaults.Options)!;

    private string SecretsDirectory => Directory.GetDirectories(Path.Combine(_h.Directory, TenantKeyShares.DirectoryName)).Single(d => d.EndsWith(".secrets", StringComparison.Ordinal));

    /// <summary>
    /// A process killed after the write that replaced a secret and before its share's delete: the old share stays, and
    /// with it every old copy of the replaced credential opens. The next sweep (at start, or after the tenant's next
    /// delete or replacement) deletes every share older than the grace that no stored secret names; a younger one (a
    /// write in flight) and the live secret's are kept.
    /// </summary>
    [Test]
    public async Task A_share_a_crash_left_behind_a_replaced_secret_is_swept_and_the_live_one_kept()
    {
        var connections = _h.Connections();
        var created = (await connections.CreateAsync(Tenant, Input("canary-old-secret"), Ct)).Value!;
        var oldCiphertext = created.SecretCiphertext!;
        // The crash's state: the connection rewritten with a new secret, the old secret's share not deleted.
        var newCiphertext = await _h.Cipher.SealSecretAsync(Tenant, ConnectionService.SecretRecordId(created.Id), "canary-new-secret", Ct);
        var item = (await _h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.Connection(created.Id), Ct))!;
        await _h.Store.PutAsync(item with { Data = BluBees.Engine.Common.StoredJson.Write(created with { SecretCiphertext = newCiphertext }) }, Ct);
        Assert.That(await _h.Cipher.DecryptAsync(Tenant, ConnectionService.SecretRecordId(created.Id), oldCiphertext, Ct), Is.EqualTo("canary-old-secret"),
            "control: the leftover share opens the replaced credential");

        Assert.That(await _h.Keys.SweepSecretSharesAsync(Tenant, Ct), Is.Zero, "within the grace a share may belong to a write in flight");
        _h.Time.Advance(TenantKeyService.SecretShareGrace + TimeSpan.FromMinutes(1));
        Assert.That(await _h.Keys.SweepSecretSharesAsync(Tenant, Ct), Is.EqualTo(1));

        Assert.That(async () => await _h.Cipher.DecryptAsync(Tenant, ConnectionService.SecretRecordId(created.Id), oldCiphertext, Ct), Throws.InstanceOf<CryptographicException>());
        Assert.That(await _h.Cipher.DecryptAsync(Tenant, ConnectionService.SecretRecordId(created.Id), newCiphertext, Ct), Is.EqualTo("canary-new-secret"), "the stored secret's share is kept");
        Assert.That(Directory.GetFiles(SecretsDirectory), Has.Length.EqualTo(1));
    }

    /// <summary>An edit that lost to another (a 409) sealed a secret that was never stored: its share is deleted at once.</summary>
    [Test]
    public async Task A_replacement_that_loses_to_a_concurrent_edit_leaves_no_share_of_its_own()
    {
        var connections = _h.Connections();
        var created = (await connections.CreateAsync(Tenant, Input("canary-first"), Ct)).Value!;
        var item = (await _h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.Connection(created.Id), Ct))!;
        var racing = new RacingStore(_h.Store, before: () => _h.Store.PutAsync(item, Ct)); // another edit lands first
        var lost = await new ConnectionService(racing, _h.Cipher, _h.Time, Microsoft.Extensions.Options.Options.Create(new BluBees.Engine.Egress.EgressOptions()))
            .UpdateAsync(Tenant, created.Id, Input("canary-lost"), Ct);

        Assert.That(lost.Value, Is.Null, "refused as a conflict");
        Assert.That(Directory.GetFiles(SecretsDirectory).Select(Path.GetFileName), Is.EquivalentTo(new[] { SecretCipher.ShareIdOf(created.SecretCiphertext) }),
            "only the stored secret's share is left");
    }

    /// <summary>
    /// Every create and delete of a share flushes its directory, and so does the ring's replacement: a power loss must
    /// neither lose a share just written (a tenant's secrets unopenable) nor bring back a deleted one (a shredded secret
    /// openable again). What a test cannot show is the power loss itself; this shows the flush is made, after the file is
    /// in place (or gone), and that it succeeds on this system.
    /// </summary>
    [Test]
    public async Task Creating_and_deleting_shares_and_replacing_the_ring_flush_their_directories()
    {
        var flushed = new List<(string Directory, string[] Entries)>();
        void Record(string directory)
        {
            if (directory.StartsWith(_h.Directory, StringComparison.Ordinal))
            {
                lock (flushed)
                {
                    flushed.Add((directory, Directory.GetFileSystemEntries(directory).Select(e => Path.GetFileName(e)!).ToArray()));
                }
            }
        }

        DirectorySync.Flushed += Record;
        try
        {
            var ciphertext = await _h.Cipher.SealSecretAsync(Tenant, "connection/conn_1", "canary", Ct);
            var shareId = SecretCipher.ShareIdOf(ciphertext)!;
            var secrets = SecretsDirectory;
            var tenantKeys = Path.Combine(_h.Directory, TenantKeyShares.DirectoryName);
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                Assert.That(flushed, Has.Some.Matches<(string Directory, string[] Entries)>(f => f.Directory == tenantKeys && f.Entries.Length == 2),
                    "the tenant's share (and its secrets' directory) flushed in place");
                Assert.That(flushed, Has.Some.Matches<(string Directory, string[] Entries)>(f => f.Directory == secrets && f.Entries.Contains(shareId)),
                    "the secret's share flushed in place");
            }

            flushed.Clear();
            await _h.Cipher.ForgetAsync(Tenant, [ciphertext], Ct);
            _h.Ring.AddAndActivate();
            await _h.Provider.ForgetTenantAsync(Tenant, Ct);
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                Assert.That(flushed, Has.Some.Matches<(string Directory, string[] Entries)>(f => f.Directory == secrets && !f.Entries.Contains(shareId)),
                    "the secret's share's delete flushed");
                Assert.That(flushed, Has.Some.Matches<(string Directory, string[] Entries)>(f => f.Directory == _h.Directory && f.Entries.Contains("keyring.json") && !f.Entries.Any(e => e.EndsWith(".tmp", StringComparison.Ordinal))),
                    "the ring's rename flushed");
                Assert.That(flushed, Has.Some.Matches<(string Directory, string[] Entries)>(f => f.Directory == tenantKeys && f.Entries.Length == 0),
                    "the uninstall's deletes flushed");
            }
        }
        finally
        {
            DirectorySync.Flushed -= Record;
        }
    }

    /// <summary>Calls <paramref name="before"/> once, just before the first conditional write, as another writer would.</summary>
    private sealed class RacingStore(IStore inner, Func<Task> before) : DelegatingStore(inner)
    {
        private int _raced;

        public override async Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct)
        {
            if (Interlocked.Exchange(ref _raced, 1) == 0)
            {
                await before();
            }

            return await Inner.PutIfRevisionAsync(item, expectedRevision, ct);
        }
    }
}
