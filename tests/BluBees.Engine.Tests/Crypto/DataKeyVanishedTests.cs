using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// Creating a tenant's data key while another request creates it and an uninstall deletes it (two installs and an
/// uninstall of one installation at once): this creator's put-if-absent loses to the other's key, which the uninstall
/// then deletes before it is read. That was an InvalidOperationException ("vanished during creation"), a 500 on
/// <c>/forge/lifecycle</c>; the key is now created anew, and a key deleted every time is a 503-mapped refusal.
/// </summary>
public sealed class DataKeyVanishedTests
{
    private static readonly TenantId Tenant = new("tenant-vanishing");

    [Test]
    public async Task A_data_key_deleted_between_the_lost_put_and_its_read_is_created_anew()
    {
        using var h = new KeyHarness();
        var store = new VanishingDataKey(h.Store, times: 1);
        var keys = new TenantKeyService(store, h.Provider, h.Time, Options.Create(new KeyOptions()));

        var key = await keys.GetOrCreateAsync(Tenant, CancellationToken.None);
        var stored = await h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.DataKey, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(store.Vanished, Is.EqualTo(1), "control: the other creator's key was deleted before it was read");
            Assert.That(key, Has.Length.EqualTo(32));
            Assert.That(stored, Is.Not.Null, "the key created anew is stored");
        });
    }

    [Test]
    public void A_data_key_deleted_every_time_is_refused_as_unavailable_not_an_internal_error()
    {
        using var h = new KeyHarness();
        var store = new VanishingDataKey(h.Store, times: int.MaxValue);
        var keys = new TenantKeyService(store, h.Provider, h.Time, Options.Create(new KeyOptions()));

        Assert.ThrowsAsync<KeyRingUnavailableException>(() => keys.GetOrCreateAsync(Tenant, CancellationToken.None));
        Assert.That(store.Vanished, Is.EqualTo(3), "tried three times");
    }

    /// <summary>The data key's put-if-absent loses to another creator whose key is deleted at once (<paramref name="times"/> times).</summary>
    private sealed class VanishingDataKey(IStore inner, int times) : DelegatingStore(inner)
    {
        public int Vanished;

        public override async Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct)
        {
            if (item.Sk == Keys.DataKey && Vanished < times)
            {
                Vanished++;
                await Inner.PutIfAbsentAsync(item, ct);          // the other creator's key...
                await Inner.DeleteAsync(item.Pk, item.Sk, ct);   // ...deleted by the uninstall before this creator reads it
                return false;
            }

            return await Inner.PutIfAbsentAsync(item, ct);
        }
    }
}
