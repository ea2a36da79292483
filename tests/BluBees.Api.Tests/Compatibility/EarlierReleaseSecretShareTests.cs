using System.Text.RegularExpressions;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Compatibility;

/// <summary>
/// A rollback to the release before per-secret key shares, then an upgrade again, on one data directory (Kestrel, real
/// SQLite, real key files). The earlier release deletes a connection as a store delete only: it does not know the
/// secret's share in <c>tenant-keys/&lt;tenant&gt;.secrets/</c>, so the share stays, and with it the deleted secret opens
/// from any old copy of the database. Before, only the tenant's next delete or replacement of a secret swept such a
/// share: a tenant that deleted nothing else kept the deleted secret recoverable for good. The upgraded backend's
/// retention round (at start, then every purge interval) now sweeps every tenant's unnamed shares; a live secret's
/// share stays.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class EarlierReleaseSecretShareTests
{
    private TestIssuer _issuer = null!;
    private string _dataDirectory = null!;

    [OneTimeSetUp]
    public async Task StartIssuerAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopIssuerAsync() => await _issuer.DisposeAsync();

    [SetUp]
    public void NewDirectory() => _dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-earlier-release-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteDirectory()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private Task<BackendHost> StartBackendAsync()
        => BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory, ["Runs:DrainSeconds"] = "0" });

    [Test]
    public async Task A_share_left_by_an_earlier_release_deleting_its_secret_is_swept_at_the_next_start_and_a_live_one_stays()
    {
        var tenant = Samples.NewTenant();
        string deletedShare;
        string liveShare;
        await using (var release = await StartBackendAsync())
        {
            var deleted = (await release.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), Samples.Canary("deleted")), 201))["id"]!.GetValue<string>();
            var kept = Samples.Connection(new Uri("http://127.0.0.1:9/"), Samples.Canary("kept"));
            kept["name"] = "Kept";
            var live = (await release.JsonAsync(HttpMethod.Post, "/api/connections", tenant, kept, 201))["id"]!.GetValue<string>();
            var partition = release.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
            deletedShare = ShareOf((await partition.GetAsync(Keys.Connection(deleted), CancellationToken.None))!.Data);
            liveShare = ShareOf((await partition.GetAsync(Keys.Connection(live), CancellationToken.None))!.Data);

            // What the earlier release's delete does after a rollback: the item goes, the share it does not know stays.
            Assert.That(await partition.DeleteAsync(Keys.Connection(deleted), CancellationToken.None), Is.True);
        }

        Assert.That(ShareFile(deletedShare), Is.Not.Null, "the earlier release left the share");
        foreach (var share in new[] { deletedShare, liveShare })
        {
            File.SetLastWriteTimeUtc(ShareFile(share)!, DateTime.UtcNow - TimeSpan.FromMinutes(30)); // past the sweep's grace
        }

        // Upgraded again: the start's retention round sweeps it; the live secret's share stays and its secret opens.
        await using var upgraded = await StartBackendAsync();
        await Waits.UntilAsync(() => Task.FromResult(ShareFile(deletedShare)), f => f is null, TimeSpan.FromSeconds(20));
        // The sweep logs its count after the delete: on a loaded machine the line can follow the file's removal by a moment.
        var logs = await Waits.UntilAsync(() => Task.FromResult(upgraded.Logs.AllText), t => t.Contains("Deleted 1 key shares of tenant " + tenant, StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.Multiple(() =>
        {
            Assert.That(ShareFile(deletedShare), Is.Null, "the deleted secret's share is gone: no old copy of the database opens it");
            Assert.That(ShareFile(liveShare), Is.Not.Null, "a share a stored secret names stays");
            Assert.That(logs, Does.Contain("Deleted 1 key shares of tenant " + tenant));
        });
    }

    private string? ShareFile(string id)
        => Directory.EnumerateFiles(Path.Combine(_dataDirectory, "tenant-keys"), id, SearchOption.AllDirectories).SingleOrDefault();

    private static string ShareOf(string data) => SharedCiphertext().Match(data) is { Success: true } m ? m.Groups[1].Value : throw new AssertionException("no v2 secret in " + data.Length + " chars");

    [GeneratedRegex(@"v2\.([0-9a-f]{32})\.")]
    private static partial Regex SharedCiphertext();
}
