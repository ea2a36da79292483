using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// After an uninstall, a request of that installation whose token is still valid (an event Forge sent before the
/// uninstall, a retry, a browser tab left open) reaches nothing and creates nothing: before, an event recreated the
/// tenant's META and directory entry, and an <c>/api</c> save its rules and connections, which no uninstall would
/// ever delete again (Forge gives a reinstall a new installation id). Found by an adversarial sweep.
/// </summary>
public sealed class AfterUninstallTests : BackendFixture
{
    [Test]
    public async Task Requests_with_a_still_valid_token_after_the_uninstall_are_refused_and_create_nothing()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        await CreateConnectionAsync(bystander);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await TenantRowsAsync(tenant), Is.Empty, "control: the uninstall deleted everything");

        using (var late = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-950", "after uninstall")))
        {
            Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That((string?)(await ProblemAsync(late))["detail"], Does.Contain("uninstalled"));
        }

        using (var save = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "late-secret")))
        {
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            await ProblemAsync(save);
        }

        Assert.That(await TenantRowsAsync(tenant), Is.Empty, "nothing of the tenant was created again: no META, directory entry, key, rule or connection");

        // A redelivered uninstall is still answered as before, and another tenant is untouched.
        using (var again = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", bystander))["items"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task An_install_under_the_uninstalled_id_is_never_refused_and_clears_the_mark()
    {
        // Forge gives a reinstall a new installation id, but an install must never be refused for a day if it did not.
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using (var refused = await Backend.SendAsync(HttpMethod.Get, "/api/connections", tenant))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "control: the mark is in place");
        }

        using (var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new System.Text.Json.Nodes.JsonObject { ["eventType"] = "avi:forge:installed:app" }))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Is.Empty, "installed again, empty");
        await CreateConnectionAsync(tenant);
    }

    [Test]
    public async Task A_late_or_retried_upgraded_event_after_the_uninstall_creates_nothing()
    {
        // Forge redelivers a lifecycle event after a non-2xx or a timeout, up to 4 times 60 s apart, and events may
        // arrive up to 3 minutes late, in any order (https://developer.atlassian.com/platform/forge/remote/sending-product-events/,
        // https://developer.atlassian.com/platform/forge/events-reference/life-cycle/): an upgraded event can reach
        // the backend after the preUninstall. The lifecycle route stays open to an uninstalled installation (for the
        // install), but an upgrade must not recreate the tenant's META and directory entry, which nothing would delete.
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await TenantRowsAsync(tenant), Is.Empty, "control: the uninstall deleted everything");
        var upgraded = LifecycleTests.UpgradedBody(tenant);
        using (var late = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, upgraded))
        {
            Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That((string?)(await ProblemAsync(late))["detail"], Does.Contain("uninstalled"));
        }

        Assert.That(await TenantRowsAsync(tenant), Is.Empty, "no META or directory entry of the uninstalled tenant was created again");
    }

    [Test]
    public async Task A_redelivered_installed_event_after_the_uninstall_creates_nothing_and_keeps_the_installation_closed()
    {
        // Forge redelivers a lifecycle event after a non-2xx answer, a timeout or a 401, up to 4 times 60 s apart, and
        // each redelivery carries retryContext (https://developer.atlassian.com/platform/forge/remote/sending-product-events/,
        // https://developer.atlassian.com/platform/forge/events-reference/product_events/ "Retry product events"): it is
        // the installed event of the installation as it was before its preUninstall, never a new install. Before, it
        // cleared the uninstall mark and installed again: META, directory entry and a new data key of an uninstalled
        // installation, which no uninstall would delete, and every still-valid token of it (an open admin page, a
        // queued event's retry) reached /api and /forge again.
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await TenantRowsAsync(tenant), Is.Empty, "control: the uninstall deleted everything");
        var retry = new System.Text.Json.Nodes.JsonObject { ["retryCount"] = 1, ["retryReason"] = "FUNCTION_RETRY_REQUEST_TIMEOUT" };
        var flat = new System.Text.Json.Nodes.JsonObject { ["eventType"] = "avi:forge:installed:app", ["id"] = tenant, ["retryContext"] = retry.DeepClone() };
        var nested = new System.Text.Json.Nodes.JsonObject { ["payload"] = flat.DeepClone() };
        var envelope = new System.Text.Json.Nodes.JsonObject { ["payload"] = new System.Text.Json.Nodes.JsonObject { ["eventType"] = "avi:forge:installed:app" }, ["retryContext"] = retry.DeepClone() };
        foreach (var body in new[] { flat, nested, envelope })
        {
            using var late = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, body);
            Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), body.ToJsonString());
            Assert.That((string?)(await ProblemAsync(late))["detail"], Does.Contain("uninstalled"));
        }

        Assert.That(await TenantRowsAsync(tenant), Is.Empty, "no META, directory entry or data key of the uninstalled installation");
        using (var tab = await Backend.SendAsync(HttpMethod.Get, "/api/connections", tenant))
        {
            Assert.That(tab.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the installation stays closed to its still-valid tokens");
        }

        // A redelivered installed event of an installation that is installed still installs (its first delivery failed).
        var fresh = Samples.NewTenant();
        using (var redelivered = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", fresh, flat.DeepClone()))
        {
            Assert.That(redelivered.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await TenantRowsAsync(fresh), Is.Not.Empty, "installed: its META, directory entry and data key");
        await CreateConnectionAsync(fresh);
    }

    [Test]
    public async Task The_mark_holds_only_a_hash_of_the_tenant_id_and_expires_after_a_day()
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var page = await Backend.Services.GetRequiredService<IStore>().QueryAsync(new QueryRequest(Keys.UninstalledPk, ""), CancellationToken.None);
        var mark = page.Items.Single(i => i.Sk == Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenant))));
        Assert.That(mark.Data, Does.Not.Contain(tenant));
        var expires = DateTimeOffset.FromUnixTimeSeconds(mark.ExpiresAt!.Value);
        Assert.That(expires - DateTimeOffset.UtcNow, Is.InRange(UninstalledInstallations.Remembered - TimeSpan.FromMinutes(5), UninstalledInstallations.Remembered));
    }

    private async Task<IReadOnlyList<string>> TenantRowsAsync(string tenant)
        => [.. (await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal))];
}
