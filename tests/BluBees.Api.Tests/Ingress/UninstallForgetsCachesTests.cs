using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Nothing an uninstalled tenant left in the process's in-memory caches is served afterwards, to an install under the
/// same installation id either: Jira's permission answers (<c>Jira:PermissionCacheSeconds</c>), the field list the
/// users' saves were checked against, and the field list its runs resolve display names with (10 minutes). Before,
/// each outlived the uninstall for its whole lifetime, and the reinstall was answered from it without Jira being
/// asked. Real Kestrel, SQLite, worker and a loopback Jira counting what it is asked.
/// </summary>
public sealed class UninstallForgetsCachesTests : BackendFixture
{
    [Test]
    public async Task After_an_uninstall_a_reinstall_asks_jira_again_for_its_permission_answers_and_the_users_field_list()
    {
        var tenant = Samples.NewTenant();
        await InstallAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        var (permissions, fields) = (PermissionChecks(), UserFieldReads());
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That((PermissionChecks(), UserFieldReads()), Is.EqualTo((permissions, fields)), "control: both answers are cached");

        await UninstallAsync(tenant);
        await InstallAsync(tenant);

        await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        var permissionsAfter = PermissionChecks();
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        Assert.Multiple(() =>
        {
            Assert.That(permissionsAfter, Is.EqualTo(permissions + 1), "the uninstalled tenant's permission answer was served to the reinstall");
            Assert.That(UserFieldReads(), Is.EqualTo(fields + 1), "the uninstalled tenant's field list was served to the reinstall's save");
        });
    }

    [Test]
    public async Task An_uninstall_drops_the_parse_of_the_connections_its_steps_read()
    {
        var tenant = Samples.NewTenant();
        await InstallAsync(tenant);
        var connectionId = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connectionId));
        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-64", "Parsed once")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count == 1);
        var reads = Backend.Services.GetRequiredService<BluBees.Engine.Connections.ConnectionReadCache>();
        var stored = (await Backend.Services.GetRequiredService<BluBees.Engine.Storage.IStore>()
            .GetAsync(BluBees.Engine.Storage.Keys.Tenant(tenant), BluBees.Engine.Storage.Keys.Connection(connectionId), CancellationToken.None))!.Data;
        var tenantId = new BluBees.Engine.Storage.TenantId(tenant);
        Assert.That(reads.Find(tenantId, connectionId, stored), Is.Not.Null, "control: the step's read kept its parse");

        await UninstallAsync(tenant);

        Assert.That(reads.Find(tenantId, connectionId, stored), Is.Null, "the uninstalled tenant's connection stayed in memory");
    }

    [Test]
    public async Task After_an_uninstall_a_reinstalls_run_loads_the_jira_field_list_again()
    {
        var tenant = Samples.NewTenant();
        var token = Backend.Jira.SystemToken = Samples.Canary("system-token");
        Backend.Jira.Respond = call => call.Path == "/rest/api/3/field"
            ? (200, """[{"id":"summary","name":"Summary"},{"id":"customfield_10016","name":"Story Points","custom":true}]""")
            : null;
        try
        {
            await InstallAsync(tenant);
            var before = SystemFieldLoads();
            await RunOnceAsync(tenant, "OPS-61", token, expectedRuns: 1);
            Assert.That(SystemFieldLoads(), Is.EqualTo(before + 1), "control: the run loaded the field list");
            await RunOnceAsync(tenant, "OPS-62", token, expectedRuns: 2, createRule: false);
            Assert.That(SystemFieldLoads(), Is.EqualTo(before + 1), "control: the next run used the cached list");

            await UninstallAsync(tenant);
            await InstallAsync(tenant);

            await RunOnceAsync(tenant, "OPS-63", token, expectedRuns: 1);
            Assert.That(SystemFieldLoads(), Is.EqualTo(before + 2), "the uninstalled tenant's field list was served to the reinstall's run");
        }
        finally
        {
            Backend.Jira.Respond = null;
        }
    }

    [Test]
    public async Task A_permission_answer_a_request_in_flight_cached_after_the_uninstall_is_not_served_to_the_reinstall()
    {
        // The request passed authentication before the uninstall; Jira's answer arrives (and is cached) after the
        // uninstall dropped the cache. The request's end sees the uninstall and erases the tenant again, caches included.
        const string lateAdmin = "557058:late-cached-admin";
        var tenant = Samples.NewTenant();
        await InstallAsync(tenant);
        Backend.Jira.Admins[lateAdmin] = true;
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        Backend.Jira.Respond = call =>
        {
            if (call.AccountId == lateAdmin && asked.TrySetResult())
            {
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };
        try
        {
            var read = Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant, accountId: lateAdmin);
            await asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await UninstallAsync(tenant);
            release.Set();
            using (var late = await read)
            {
                Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "control: the request saw the uninstall");
            }

            await InstallAsync(tenant);
            using (var again = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant, accountId: lateAdmin))
            {
                Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }

            Assert.That(Backend.Jira.Calls.Count(c => c.AccountId == lateAdmin && c.Path == "/rest/api/3/mypermissions"), Is.EqualTo(2),
                "the answer cached by the request in flight during the uninstall was served to the reinstall");
        }
        finally
        {
            release.Set();
            Backend.Jira.Respond = null;
        }
    }

    private int PermissionChecks() => Backend.Jira.Calls.Count(c => c.Path == "/rest/api/3/mypermissions");

    private int UserFieldReads() => Backend.Jira.UserReads.Count(r => r.Path == "/rest/api/3/field");

    private int SystemFieldLoads() => Backend.Jira.Calls.Count(c => c.Path == "/rest/api/3/field");

    private async Task InstallAsync(string tenant)
    {
        using var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
        Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task UninstallAsync(string tenant)
    {
        using var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, LifecycleTests.PreUninstallBody(tenant));
        Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>A rule naming a field by its display name (created unless told not to), one event with the system token, its run.</summary>
    private async Task RunOnceAsync(string tenant, string issueKey, string systemToken, int expectedRuns, bool createRule = true)
    {
        if (createRule)
        {
            await CreateRuleAsync(tenant, new JsonObject
            {
                ["name"] = "Points by display name",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "{{issue.key}} has {{issue.Story Points}} points" }),
            });
        }

        var evt = Samples.Event(issueKey, "Smart");
        evt["issue"]!["fields"]!["customfield_10016"] = 5;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", systemToken);
        using (var accepted = await Backend.Client.SendAsync(request))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var page = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= expectedRuns);
        Assert.That(page["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.All.EqualTo("succeeded"));
    }
}
