using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Concurrency;

/// <summary>
/// A life-cycle event of an installation (installed, upgraded, or Atlassian's documented payload without an event type)
/// whose writes land after an uninstall of the same installation erased it: the event checked the uninstall mark before
/// the uninstall and wrote after its delete, so the tenant's META item (and, for an install, its directory entry and a
/// new data key) stayed behind with no uninstall ever to come, and the event answered 200. Found by firing upgraded
/// events and an uninstall at once (one round in three left the META item). The event now reads the mark again after its
/// writes and, finding it, erases what it wrote and answers the uninstalled installation's 401. Held here on the event's
/// write of the META item, so the uninstall runs in between every time, without timing.
/// </summary>
public sealed class LifecycleUninstallRaceTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldWrites(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<TenantService>(sp, sp.GetRequiredService<HeldWrites>()));
    };

    [TestCase("installed")]
    [TestCase("upgraded")]
    [TestCase("documented")]
    public async Task A_lifecycle_event_whose_write_lands_after_the_uninstall_leaves_nothing_and_answers_401(string kind)
    {
        var tenant = Samples.NewTenant();
        if (kind != "installed")
        {
            // An installed tenant with data: the event rewrites its META item.
            using (var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }))
            {
                Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }

            await CreateConnectionAsync(tenant);
        }

        var writes = Backend.Services.GetRequiredService<HeldWrites>();
        writes.Hold(Keys.TenantMeta);
        Task<HttpResponseMessage> late;
        try
        {
            late = Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, Body(kind, tenant));
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(writes.Held), n => n == 1), Is.EqualTo(1), "the event is held at its write of the tenant's META item");
            using var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject());
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            writes.Release();
        }

        using var answer = await late.WaitAsync(TimeSpan.FromSeconds(20));
        var text = await answer.Content.ReadAsStringAsync();
        var rows = (await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rows, Is.Empty, "nothing of the uninstalled tenant (META, directory entry, data key) is left");
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), text);
            Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
            Assert.That(text, Does.Contain("uninstalled"));
        });

        // The installation stays uninstalled: the next request of its token is refused and writes nothing.
        using var next = await Backend.SendAsync(HttpMethod.Get, "/api/connections", tenant);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)), Is.Empty);
    }

    private static JsonObject Body(string kind, string tenant) => kind switch
    {
        "installed" => new JsonObject { ["eventType"] = "avi:forge:installed:app" },
        "upgraded" => new JsonObject { ["eventType"] = "avi:forge:upgraded:app" },
        _ => new JsonObject
        {
            ["id"] = tenant,
            ["upgraderAccountId"] = "4ad9aa0c52dc1b420a791d12",
            ["app"] = new JsonObject { ["id"] = "406d303d-0393-4ec4-ad7c-1435be94583a", ["version"] = "9.0.0" },
        },
    };
}
