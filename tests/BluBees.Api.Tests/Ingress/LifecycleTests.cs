using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>installed creates the tenant; preUninstall deletes every item of the tenant and its data key.</summary>
public sealed class LifecycleTests : BackendFixture
{
    [Test]
    public async Task Installed_creates_the_tenant_record_and_data_key()
    {
        var tenant = Samples.NewTenant();
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var store = Backend.Services.GetRequiredService<IStore>();
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.TenantMeta, CancellationToken.None), Is.Not.Null);
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task PreUninstall_deletes_everything_of_the_tenant_and_shreds_its_secrets()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var connectionId = await CreateConnectionAsync(tenant, secret);
        var ruleId = (await CreateRuleAsync(tenant, Samples.Rule(connectionId)))["id"]!.GetValue<string>();
        var bystanderConnection = await CreateConnectionAsync(bystander);
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-901", "before uninstall")))
        {
            await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        }

        // A "why didn't it run?" entry too (another project: stopped by the trigger), which must go with the tenant.
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("WEB-902", "before uninstall")))
        {
            await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", tenant), t => t["items"]!.AsArray().Count > 0);
        }

        Assert.That(await Backend.DumpStoreAsync(), Has.Some.Contains("TRACE#" + ruleId), "the dump sees the trace before the uninstall");

        var store = Backend.Services.GetRequiredService<IStore>();
        var stolen = (await store.GetAsync(Keys.Tenant(tenant), Keys.Connection(connectionId), CancellationToken.None))!;
        var stolenCiphertext = BluBees.Engine.Common.StoredJson.Read<Connection>(stolen.Data).SecretCiphertext!;

        // The documented preUninstall body: no event type
        // (https://developer.atlassian.com/platform/forge/manifest-reference/modules/pre-uninstall-trigger/).
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, PreUninstallBody(tenant));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That((await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)), Is.Empty, "no item of the tenant remains, the directory entry included");
        Assert.That(await store.GetAsync(Keys.Tenant(bystander), Keys.Connection(bystanderConnection), CancellationToken.None), Is.Not.Null, "other tenants are untouched");

        // A copy of the ciphertext taken before uninstall no longer decrypts: its data key is gone.
        var cipher = Backend.Services.GetRequiredService<SecretCipher>();
        Assert.That(async () => await cipher.DecryptAsync(new TenantId(tenant), ConnectionService.SecretRecordId(connectionId), stolenCiphertext, CancellationToken.None), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task PreUninstall_without_a_body_still_cleans_up_and_a_non_object_body_is_400()
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using var array = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, "[1]");
        Assert.That(array.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await ProblemAsync(array);

        using var empty = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/uninstall", Issuer.MintFor("/forge/uninstall", tenant), withUserToken: false);
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task The_preUninstall_body_on_the_lifecycle_route_uninstalls_nothing()
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, PreUninstallBody(tenant));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1));
    }

    /// <summary>An <c>avi:forge:upgraded:app</c> event of <paramref name="tenant"/> (the fields of Atlassian's life-cycle reference).</summary>
    internal static JsonObject UpgradedBody(string tenant) => new()
    {
        ["eventType"] = "avi:forge:upgraded:app",
        ["id"] = tenant,
        ["upgraderAccountId"] = "4ad9aa0c52dc1b420a791d12",
        ["app"] = new JsonObject { ["id"] = "406d303d-0393-4ec4-ad7c-1435be94583a", ["version"] = "9.0.0" },
    };

    internal static JsonObject PreUninstallBody(string tenant) => new()
    {
        ["context"] = new JsonObject { ["cloudId"] = "cloud-" + tenant[^6..], ["moduleKey"] = "pre-uninstall" },
        ["contextToken"] = "opaque-context-token",
    };

    /// <summary>
    /// The two example payloads of Atlassian's life-cycle reference, as shown: no event type
    /// (https://developer.atlassian.com/platform/forge/events-reference/life-cycle/).
    /// </summary>
    private static JsonObject DocumentedLifecyclePayload(string tenant, string accountField) => new()
    {
        ["id"] = tenant,
        [accountField] = "4ad9aa0c52dc1b420a791d12",
        ["app"] = new JsonObject { ["id"] = "406d303d-0393-4ec4-ad7c-1435be94583a", ["version"] = "9.0.0" },
    };

    [TestCase("installerAccountId")]
    [TestCase("upgraderAccountId")]
    public async Task The_documented_lifecycle_payload_without_an_event_type_installs_the_tenant(string accountField)
    {
        var tenant = Samples.NewTenant();
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, DocumentedLifecyclePayload(tenant, accountField));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Forge redelivers a 400 four times, then the event is lost");
        var store = Backend.Services.GetRequiredService<IStore>();
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.TenantMeta, CancellationToken.None), Is.Not.Null);
        Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task The_documented_lifecycle_payload_after_the_uninstall_creates_nothing()
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var late = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, DocumentedLifecyclePayload(tenant, "installerAccountId"));
        Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await ProblemAsync(late);
        Assert.That((await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task An_unknown_lifecycle_event_is_400()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", Samples.NewTenant(), new JsonObject { ["eventType"] = "avi:forge:exploded:app" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await ProblemAsync(response);
    }
}
