using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A key share the backend deletes (a connection's secret deleted; the tenant uninstalled) is overwritten with zeros, on
/// disk, before its file is unlinked. Unlinking alone leaves the 32 bytes in the file's blocks for as long as anything
/// else still reaches them: another name of the file (a hard-link snapshot of the data directory, as rsnapshot or
/// <c>cp -al</c> make), a backup agent's open handle, or the disk's free space; with an old copy of the database and the
/// ring that stays, that share opens the deleted secret (or the uninstalled tenant's data key) again. The test reads the
/// share through a second hard link taken before the delete: before, it still held the share afterwards.
/// </summary>
public sealed class ShreddedShareBytesTests : BackendFixture
{
    [Test]
    public async Task A_deleted_connections_secret_share_is_zeroed_before_it_is_unlinked()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant, Samples.Canary("secret"));
        var shares = Directory.GetFiles(SecretsDirectory(tenant));
        Assert.That(shares, Has.Length.EqualTo(1), "the connection's secret has one share");

        var links = Directory.CreateTempSubdirectory("blubees-share-links-").FullName;
        try
        {
            var link = await HardLinkAsync(shares[0], links);
            Assert.That(File.ReadAllBytes(link).Any(b => b != 0), Is.True, "control: the link reads the share while the secret is stored");

            using var response = await Backend.SendAsync(HttpMethod.Delete, "/api/connections/" + connectionId, tenant);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

            Assert.That(File.Exists(shares[0]), Is.False, "the share's file is gone from the key ring");
            Assert.That(File.ReadAllBytes(link).Where(b => b != 0), Is.Empty, "the deleted secret's share is still readable through another name of its file");
        }
        finally
        {
            Directory.Delete(links, recursive: true);
        }
    }

    [Test]
    public async Task An_uninstalled_tenants_shares_are_zeroed_before_they_are_unlinked()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        await CreateConnectionAsync(tenant, Samples.Canary("secret"));
        await CreateConnectionAsync(bystander, Samples.Canary("bystander"));
        var files = new[] { TenantShare(tenant) }.Concat(Directory.GetFiles(SecretsDirectory(tenant))).ToArray();
        Assert.That(files, Has.Length.EqualTo(2), "the tenant's share and its secret's share");

        var links = Directory.CreateTempSubdirectory("blubees-share-links-").FullName;
        try
        {
            var linked = new List<string>();
            foreach (var file in files)
            {
                linked.Add(await HardLinkAsync(file, links));
            }

            var bystanderLink = await HardLinkAsync(TenantShare(bystander), links);
            var bystanderShare = File.ReadAllBytes(bystanderLink);
            Assert.That(linked.Select(l => File.ReadAllBytes(l).Any(b => b != 0)), Is.All.True, "control: the links read the shares while the tenant is installed");

            using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

            Assert.That(files.Where(File.Exists), Is.Empty, "the shares' files are gone from the key ring");
            Assert.That(linked.Where(l => File.ReadAllBytes(l).Any(b => b != 0)).Select(Path.GetFileName), Is.Empty,
                "a share of the uninstalled tenant is still readable through another name of its file");
            Assert.That(File.ReadAllBytes(bystanderLink), Is.EqualTo(bystanderShare).And.Some.Not.EqualTo(0), "another tenant's share is untouched");
        }
        finally
        {
            Directory.Delete(links, recursive: true);
        }
    }

    private string TenantShare(string tenant) => Path.Combine(Backend.DataDirectory, "tenant-keys", Hash(tenant));

    private string SecretsDirectory(string tenant) => TenantShare(tenant) + ".secrets";

    private static string Hash(string tenant) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant)));

    /// <summary>A second name for <paramref name="file"/> in <paramref name="directory"/> (ln: .NET creates no hard links).</summary>
    private static async Task<string> HardLinkAsync(string file, string directory)
    {
        var link = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        using var ln = Process.Start(new ProcessStartInfo("ln", [file, link]) { RedirectStandardError = true })!;
        var error = await ln.StandardError.ReadToEndAsync();
        await ln.WaitForExitAsync();
        Assert.That(ln.ExitCode, Is.Zero, "ln: " + error);
        return link;
    }
}
