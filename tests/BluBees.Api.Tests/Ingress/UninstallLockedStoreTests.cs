using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Api.Tests.Scheduling;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A preUninstall while another process holds the SQLite file's write lock (an operator's <c>sqlite3</c> shell, a
/// backup tool). Forge calls it best effort within 55 s and never again
/// (https://developer.atlassian.com/platform/forge/manifest-reference/modules/pre-uninstall-trigger/), so it cannot be
/// answered 503 like the other life-cycle events (<c>LifecycleLockedStoreTests</c>). Before, its writes waited the
/// connection's 30 s command timeout each, with no bound on the answer. Now the uninstall records its intent outside the
/// locked file, answers 202 "uninstalling" within a bounded time while the lock is still held, refuses the tenant on
/// every route meanwhile, and finishes the deletion in the background once the lock is free.
/// </summary>
[NonParallelizable]
public sealed class UninstallLockedStoreTests : FakeClockFixture
{
    private static readonly TimeSpan WellBelowTheCommandTimeout = TimeSpan.FromSeconds(25);

    [Test]
    public async Task An_uninstall_while_the_write_lock_is_held_is_accepted_while_held_refuses_the_tenant_and_deletes_everything_once_it_is_free()
    {
        var tenant = await TenantWithDataAsync();

        await using (var held = await HeldStoreLock.TakeAsync(Backend.DataDirectory))
        {
            var (status, body) = await UninstallWhileHeldAsync(tenant);
            Assert.Multiple(() =>
            {
                Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body);
                Assert.That(JsonNode.Parse(body)!["status"]!.GetValue<string>(), Is.EqualTo("uninstalling"));
            });

            using (var refused = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the tenant is refused while its uninstall is pending");
            }

            await held.ReleaseAsync();
        }

        var left = await FinishedAsync(tenant);
        Assert.That(left, Is.Empty, "nothing of the uninstalled tenant is left once the lock is free, and its recorded intent is gone");
        using var after = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.Multiple(() =>
        {
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "and it stays refused (the store's mark)");
            Assert.That(Backend.Logs.AllText, Does.Not.Contain("Unhandled"));
        });
    }

    [Test]
    public async Task An_install_of_the_same_installation_while_its_uninstall_is_pending_is_answered_503_and_its_retry_installs_it_afresh()
    {
        var tenant = await TenantWithDataAsync();

        await using (var held = await HeldStoreLock.TakeAsync(Backend.DataDirectory))
        {
            var (status, body) = await UninstallWhileHeldAsync(tenant);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body);

            using (var install = await LifecycleAsync(tenant))
            {
                var text = await install.Content.ReadAsStringAsync();
                Assert.Multiple(() =>
                {
                    Assert.That(install.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
                    Assert.That(install.Headers.RetryAfter, Is.Not.Null, "Retry-After: Forge redelivers the event");
                    Assert.That(text, Does.Contain("uninstall"));
                });
            }

            await held.ReleaseAsync();
        }

        Assert.That(await FinishedAsync(tenant), Is.Empty, "the pending uninstall finished first");
        using (var retry = await LifecycleAsync(tenant))
        {
            Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.OK), await retry.Content.ReadAsStringAsync());
        }

        var rules = await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        var store = Backend.Services.GetRequiredService<IStore>();
        Assert.Multiple(async () =>
        {
            Assert.That(rules["items"]!.AsArray(), Is.Empty, "installed afresh: nothing of before the uninstall came back");
            Assert.That(await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, CancellationToken.None), Is.Not.Null, "a new data key");
        });
    }

    private async Task<string> TenantWithDataAsync()
    {
        var tenant = Samples.NewTenant();
        using (var installed = await LifecycleAsync(tenant))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: installed");
        }

        var connection = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connection));
        Assert.That(await LeftOfAsync(tenant), Is.Not.Empty, "control: the tenant has data");
        return tenant;
    }

    /// <summary>Sends the uninstall and waits for its answer for well under the store's 30 s command timeout.</summary>
    private async Task<(HttpStatusCode Status, string Body)> UninstallWhileHeldAsync(string tenant)
    {
        var uninstall = Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/uninstall", ForgeToken(tenant, "/forge/uninstall"),
            JsonNode.Parse("""{"context":{"cloudId":"c","moduleKey":"uninstall"},"contextToken":"t"}"""), withUserToken: false);
        var answered = await Task.WhenAny(uninstall, Task.Delay(WellBelowTheCommandTimeout)) == uninstall;
        Assert.That(answered, Is.True, "answered while the lock was still held, not after the store's 30 s per write");
        using var response = await uninstall;
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> LifecycleAsync(string tenant)
        => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/lifecycle", ForgeToken(tenant, "/forge/lifecycle"),
            new JsonObject { ["eventType"] = "avi:forge:installed:app" }, withUserToken: false);

    /// <summary>Every stored row naming the tenant (its partition, its directory entry).</summary>
    private async Task<List<string>> LeftOfAsync(string tenant)
        => [.. (await Backend.DumpStoreAsync()).Where(line => line.Contains(tenant, StringComparison.Ordinal))];

    /// <summary>What is left of the tenant (its rows, and the uninstall's record while it is pending), once nothing is.</summary>
    private async Task<List<string>> FinishedAsync(string tenant)
        => await Waits.UntilAsync(async () => (await LeftOfAsync(tenant)).Concat(PendingFiles()).ToList(), left => left.Count == 0);

    private string[] PendingFiles()
    {
        var directory = Path.Combine(Backend.DataDirectory, "uninstalling");
        return Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
    }
}
