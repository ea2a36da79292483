using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// After a rollback, a directory entry (<c>DIR</c>) a later build wrote with a member this build does not know. Every
/// walk of the directory read each entry strictly and threw for all tenants: the start's "does the store hold data
/// keys?" check (which guards against creating a new key ring over existing keys), the resumed uninstalls at every
/// purge, and the operator's key rotation and retiring. The entry only names its tenant: read tolerantly.
/// </summary>
public sealed class LaterBuildDirectoryEntryTests
{
    [Test]
    public async Task A_directory_entry_a_later_build_wrote_still_names_its_tenant()
    {
        using var h = new KeyHarness();
        var tenant = new TenantId("tenant-later-dir");
        await h.Keys.GetOrCreateAsync(tenant, CancellationToken.None); // lists the tenant
        var entry = (await h.Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant.Value), CancellationToken.None))!;
        await h.Store.PutAsync(entry with { Data = "{\"laterBuildMember\":[1]," + entry.Data[1..] }, CancellationToken.None);
        var stored = (await h.Store.GetAsync(Keys.DirectoryPk, Keys.DirectoryEntry(tenant.Value), CancellationToken.None))!;

        Assert.That(TenantDirectory.TenantIdOf(stored), Is.EqualTo(tenant));
        Assert.That(await TenantDirectory.AnyDataKeyAsync(h.Store, CancellationToken.None), Is.True, "the tenant's data key is found through its entry");
    }
}
