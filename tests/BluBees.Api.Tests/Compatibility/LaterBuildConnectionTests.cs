using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Scheduling;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Compatibility;

/// <summary>
/// After a rollback, a rule's run over a connection a later build saved (a member this build does not know), on Kestrel
/// over real SQLite. The connection's credentials and hosts decide where a secret goes, so it is not read leniently: the
/// step fails with the stable category <c>connection_saved_by_newer_version</c> (before, <c>internal_error</c>, and a
/// dry run of the rule answered 500), nothing is sent, and neither the record nor the log holds the stored content.
/// Saved again by this build, the rule runs.
/// </summary>
public sealed class LaterBuildConnectionTests : FakeClockFixture
{
    [Test]
    public async Task A_step_on_a_connection_a_later_build_saved_fails_naming_the_cause_and_runs_once_it_is_saved_again()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        var path = "/laterconn-" + Guid.NewGuid().ToString("N")[..8];
        var ruleId = await CreateRuleAsync(tenant, Rule(connectionId,
            new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") }, path));
        var marker = Samples.Canary("laterbuild");
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var stored = (await partition.GetAsync(Keys.Connection(connectionId), CancellationToken.None))!;
        await partition.PutAsync(stored.Sk, "{\"" + marker + "\":{\"allowedHosts\":[\"x\"]}," + stored.Data[1..], CancellationToken.None);

        // The admin's dry run names it (before, 500).
        using (var dryRun = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/dry-run", tenant, new JsonObject { ["event"] = Samples.Event("WEB-7", "dry") }))
        {
            var text = await dryRun.Content.ReadAsStringAsync();
            Assert.That(dryRun.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            Assert.That(text, Does.Contain("connection_saved_by_newer_version").And.Not.Contain(marker));
        }

        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("WEB-7", "after a rollback")))
        {
            Assert.That((int)accepted.StatusCode, Is.InRange(200, 299), "the event path answers");
        }

        var run = (await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 1)).Single()!;
        var detail = await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + run["id"]!.GetValue<string>(), tenant);
        Assert.Multiple(() =>
        {
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(run["errorCategory"]!.GetValue<string>(), Is.EqualTo("connection_saved_by_newer_version"), "a stable category naming the cause, not internal_error");
            Assert.That(detail["steps"]![0]!["errorCategory"]!.GetValue<string>(), Is.EqualTo("connection_saved_by_newer_version"));
            Assert.That(ReceivedAt("/api/v2" + path), Is.Empty, "nothing was sent");
            Assert.That(detail.ToJsonString() + run.ToJsonString(), Does.Not.Contain(marker).And.Not.Contain("t0ken"));
            Assert.That(Backend.Logs.AllText, Does.Contain($"its connection {connectionId} was saved by a newer version of BluBees")
                .And.Not.Contain(marker).And.Not.Contain("t0ken").And.Not.Contain("JsonException"));
        });

        // Saved again by this build (its secret given again, as an edit of such a connection requires): the rule runs.
        var edit = Samples.Connection(ThirdParty.Address, "t0ken");
        edit["name"] = "Ticketing again";
        await Backend.JsonAsync(HttpMethod.Put, "/api/connections/" + connectionId, tenant, edit);
        using (var again = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("WEB-8", "saved again")))
        {
            Assert.That((int)again.StatusCode, Is.InRange(200, 299));
        }

        var runs = await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 2);
        Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()), Does.Contain("succeeded"));
        Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(1));
    }

    private async Task<JsonArray> RunsAsync(string tenant) => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
}
