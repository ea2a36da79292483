using System.Net;
using System.Security.Cryptography;
using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// A connection (or webhook) deleted while its secret is replaced: the delete read the item (the old secret), the edit
/// (or rotation) then wrote the new secret, and the delete removed the item holding it. The delete forgot the shares of
/// what it had read only, so the new secret's share stayed in <c>tenant-keys/</c> (no stored secret names it, and the
/// sweep runs only at the tenant's next delete or replacement of a secret): an old copy of the database taken after the
/// edit opened the deleted credential with the key files that remain. The delete is now conditional on the revision it
/// read and, when another write replaced the item meanwhile, reads it again: the shares of what it deleted go.
/// Held at the delete, so the edit runs in between every time.
/// </summary>
public sealed class DeleteRacingSecretReplaceTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldOperations(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<ConnectionService>(sp, sp.GetRequiredService<HeldOperations>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<WebhookService>(sp, sp.GetRequiredService<HeldOperations>()));
    };

    [Test]
    public async Task A_connection_deleted_while_its_secret_is_replaced_leaves_no_share_of_either_secret()
    {
        var tenant = Samples.NewTenant();
        var body = Samples.Connection(ThirdParty.Address, Samples.Canary("old"));
        var connection = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, body, 201))["id"]!.GetValue<string>();
        Assert.That(Shares(tenant), Has.Count.EqualTo(1), "control: the secret has its share");

        var held = Backend.Services.GetRequiredService<HeldOperations>();
        held.HoldDeletes(Keys.Connection(connection));
        Task<HttpResponseMessage>? delete = null;
        try
        {
            delete = Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connection}", tenant);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(held.HeldDeletes), n => n == 1), Is.EqualTo(1), "the delete is held");
            body["secret"] = Samples.Canary("new");
            await Backend.JsonAsync(HttpMethod.Put, $"/api/connections/{connection}", tenant, body, 200);
        }
        finally
        {
            held.Release();
        }

        using var deleted = await delete.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
        Assert.That((await Backend.DumpStoreAsync()).Where(r => r.Contains(Keys.Connection(connection), StringComparison.Ordinal)), Is.Empty, "the connection is deleted");
        Assert.That(Shares(tenant), Is.Empty, "a share of the deleted connection's secret is left in tenant-keys/");
    }

    [Test]
    public async Task A_webhook_deleted_while_its_secret_is_rotated_leaves_no_share_of_either_secret()
    {
        var tenant = Samples.NewTenant();
        var hook = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "Orders" }, 201))["id"]!.GetValue<string>();
        Assert.That(Shares(tenant), Has.Count.EqualTo(1), "control: the secret has its share");

        var held = Backend.Services.GetRequiredService<HeldOperations>();
        held.HoldDeletes(Keys.Webhook(hook));
        Task<HttpResponseMessage>? delete = null;
        try
        {
            delete = Backend.SendAsync(HttpMethod.Delete, $"/api/webhooks/{hook}", tenant);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(held.HeldDeletes), n => n == 1), Is.EqualTo(1), "the delete is held");
            using var rotated = await Backend.SendAsync(HttpMethod.Post, $"/api/webhooks/{hook}/rotate-secret", tenant);
            Assert.That(rotated.StatusCode, Is.EqualTo(HttpStatusCode.OK), await rotated.Content.ReadAsStringAsync());
        }
        finally
        {
            held.Release();
        }

        using var deleted = await delete.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
        Assert.That((await Backend.DumpStoreAsync()).Where(r => r.Contains(Keys.Webhook(hook), StringComparison.Ordinal)), Is.Empty, "the hook is deleted");
        Assert.That(Shares(tenant), Is.Empty, "a share of the deleted hook's secret is left in tenant-keys/");
    }

    private List<string> Shares(string tenant)
    {
        var directory = Path.Combine(Backend.DataDirectory, TenantKeyShares.DirectoryName,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant))) + ".secrets");
        return Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory)] : [];
    }
}
