using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A run in flight when its tenant is uninstalled, of a rule that writes to Jira and names a field by its display
/// name: the run loads the site's field list from Jira first (held here), and after that counts itself in the loop
/// guard (a <c>LOOP#</c> item in the tenant's partition). Before, that item was written after the uninstall's delete:
/// the uninstalled tenant's id stayed in the store, under a partition no uninstall would delete again.
/// </summary>
[NonParallelizable]
public sealed class LoopGuardAfterUninstallTests
{
    [Test]
    public async Task A_run_that_counts_itself_in_the_loop_guard_after_the_uninstall_leaves_nothing_of_the_tenant()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        var tenant = Samples.NewTenant();
        var systemToken = Samples.Canary("system-token");
        backend.Jira.SystemToken = systemToken;
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Comment with the sprint",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "reply", ["type"] = "jira.comment", ["body"] = "Sprint: {{ issue.Sprint }}" }),
        }, 201);

        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        backend.Jira.Respond = call =>
        {
            if (call.Path == "/rest/api/3/field")
            {
                asked.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(30));
                return (200, "[]");
            }

            return null;
        };

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events"))
        {
            var evt = Samples.Event("OPS-81", "uninstalled meanwhile", timestamp: DateTimeOffset.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture));
            request.Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.MintFor("/forge/events", tenant));
            request.Headers.Add("x-forge-oauth-system", systemToken);
            using var accepted = await backend.Client.SendAsync(request);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var uninstall = await backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, BluBees.Api.Tests.Ingress.LifecycleTests.PreUninstallBody(tenant)))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        release.Set();
        await Waits.UntilAsync(() => Task.FromResult(backend.Jira.Actions.Count), n => n > 0, TimeSpan.FromSeconds(30));
        var rows = await Waits.UntilAsync(
            async () => (await backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)).ToList(),
            r => r.Count == 0, TimeSpan.FromSeconds(10));
        Assert.That(rows, Is.Empty, "nothing of the uninstalled tenant (no LOOP# item)");
    }
}
