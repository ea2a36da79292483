using System.Text;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// A pending uninstall's record is written to a temporary name, then renamed. A process killed between the two leaves
/// the temporary file, which names the tenant in clear; the uninstall never answered, so nothing else would remove it.
/// The listing (at every start, then every minute) zeroes and deletes such a file once it is old enough not to be a
/// record being written, and leaves a young one alone.
/// </summary>
public sealed class PendingUninstallTempTests
{
    [Test]
    public void A_cut_off_record_naming_the_tenant_is_zeroed_and_deleted_once_stale_and_a_young_one_is_left_alone()
    {
        using var dir = new TempDirectory();
        var pending = new PendingUninstalls(dir.File("uninstalling"));
        Directory.CreateDirectory(pending.Directory);
        var stale = Path.Combine(pending.Directory, "cut-off." + Guid.NewGuid().ToString("N") + ".tmp");
        var young = Path.Combine(pending.Directory, "in-flight." + Guid.NewGuid().ToString("N") + ".tmp");
        File.WriteAllText(stale, "tenant-cut-off", Encoding.UTF8);
        File.WriteAllText(young, "tenant-in-flight", Encoding.UTF8);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - PendingUninstalls.StaleTemp - TimeSpan.FromMinutes(1));
        using var held = new FileStream(stale, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); // another name of its blocks

        Assert.That(pending.List(), Is.Empty, "a temporary file is no pending uninstall");

        var left = new byte[held.Length];
        held.Position = 0;
        held.ReadExactly(left);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(stale), Is.False, "the stale cut-off record is still there");
            Assert.That(left, Has.All.EqualTo((byte)0), "its bytes were deleted without being zeroed");
            Assert.That(File.ReadAllText(young, Encoding.UTF8), Is.EqualTo("tenant-in-flight"), "a record being written was touched");
        });
    }
}
