using System.Security.Cryptography;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Crypto;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;

namespace BluBees.Engine.Tests.Regressions;

/// <summary>Bugs found in review; each test failed before its fix.</summary>
public sealed class ReviewFindingsTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Test]
    public async Task Sqlite_side_files_and_the_data_directory_are_owner_only()
    {
        using var dir = new TempDirectory();
        var dataDir = dir.File("data");
        var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = dataDir }), new FakeTimeProvider());
        await store.PutAsync(new StoreItem("T#a", "CONN#1", "{\"x\":1}"), Ct);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            Assert.That(FileModes.Of(Path.Combine(dataDir, "blubees.db" + suffix)), Is.EqualTo(FileModes.OwnerOnly), suffix);
        }

        Assert.That(FileModes.Of(dataDir), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public async Task Rewrapping_cannot_resurrect_a_key_deleted_by_a_concurrent_uninstall()
    {
        using var h = new KeyHarness();
        await h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        h.Ring.AddAndActivate();
        var racing = new UninstallDuringReWrap(h.Provider, h.Store, "tenant-a");
        using var keys = new TenantKeyService(h.Store, racing, h.Time, Options.Create(new KeyOptions()));

        var rewrapped = await keys.ReWrapAsync(new TenantId("tenant-a"), Ct);

        Assert.That(rewrapped, Is.False);
        Assert.That(await h.Store.GetAsync(Keys.Tenant("tenant-a"), Keys.DataKey, Ct), Is.Null, "the shredded key must stay gone");
    }

    [Test]
    public async Task A_corrupted_secret_is_a_cryptographic_failure_not_a_crash()
    {
        using var h = new KeyHarness();
        await h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        Assert.That(() => h.Cipher.DecryptAsync(new TenantId("tenant-a"), "connection/conn_1", "v1.not*base64!", Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task The_data_key_cache_expires_on_the_injected_clock()
    {
        using var h = new KeyHarness();
        await h.Keys.GetOrCreateAsync(new TenantId("tenant-a"), Ct);
        await h.Store.DeleteAsync(Keys.Tenant("tenant-a"), Keys.DataKey, Ct);
        Assert.That(await h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Is.Not.Null, "still cached before the TTL");

        h.Time.Advance(new KeyOptions().DataKeyCacheTtl + TimeSpan.FromSeconds(1));

        Assert.That(await h.Keys.GetExistingAsync(new TenantId("tenant-a"), Ct), Is.Null);
    }

    [Test]
    public void A_hash_in_event_data_does_not_push_the_query_and_its_credential_into_a_fragment()
    {
        var connection = Connection(auth: new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" });
        var step = Valid("""{ "id":"s","type":"http","connection":"conn_api","path":"/items/{{ issue.fields.summary }}","query":{"q":"1","api_key":"from-step"} }""", ConnectionMap(connection));
        var (request, _) = RequestBuilder.Build(step, connection, StaticCredentials.From(connection, "k"), SampleEvents.Scope(SampleEvents.With("summary", "C#")), TemplateLimits.Default);
        Assert.That(request!.Url.Query, Is.EqualTo("?q=1&api_key=k"), "the connection's key replaces a step parameter of the same name");
        Assert.That(request.Url.AbsolutePath, Does.EndWith("/items/C%23"));
        Assert.That(request.Url.Fragment, Is.Empty);
    }

    private sealed class UninstallDuringReWrap(IKeyEncryptionProvider inner, IStore store, string tenant) : IKeyEncryptionProvider
    {
        public string CurrentKeyId => inner.CurrentKeyId;

        public Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct) => inner.GenerateDataKeyAsync(tenantId, ct);

        public Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct) => inner.DecryptDataKeyAsync(tenantId, wrapped, ct);

        public async Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
        {
            var result = await inner.ReWrapAsync(tenantId, wrapped, ct);
            await store.DeletePartitionAsync(Keys.Tenant(tenant), ct);
            return result;
        }
    }
}
