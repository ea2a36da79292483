using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Scheduling;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Compatibility;

/// <summary>
/// An upgrade from the release before per-secret key shares and per-delete marks, on Kestrel over real SQLite: the
/// stored items are written in that release's format by hand (CI has no earlier build). Its secret (<c>v1.</c>, under
/// the tenant's data key alone) opens for a run; its one-per-item delete mark (<c>DELETING#&lt;sk&gt;</c>, no expiry),
/// left by a process killed while deleting, does not refuse a rule save using the item; the item is edited (its new
/// secret sealed with a share) and deleted as this build's own. Checked beside real processes of both releases
/// (docs/operations.md, "Rolling back past the release with per-secret key shares").
/// </summary>
public sealed class EarlierReleaseItemsTests : FakeClockFixture
{
    [Test]
    public async Task A_connection_the_earlier_release_stored_runs_saves_rules_despite_its_stale_mark_and_is_edited_and_deleted()
    {
        var tenant = Samples.NewTenant();
        var id = await CreateConnectionAsync(tenant);
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var stored = (await partition.GetAsync(Keys.Connection(id), CancellationToken.None))!;
        var node = JsonNode.Parse(stored.Data)!.AsObject();
        var earlier = await Backend.Services.GetRequiredService<SecretCipher>().EncryptAsync(new TenantId(tenant), ConnectionService.SecretRecordId(id), "earlier-t0ken", CancellationToken.None);
        Assert.That(earlier, Does.StartWith("v1."));
        node["secretCiphertext"] = earlier;
        await partition.PutAsync(stored.Sk, node.ToJsonString(), CancellationToken.None);
        await partition.PutAsync(Keys.Deleting(Keys.Connection(id)), "{}", CancellationToken.None); // the earlier release's mark

        var path = "/earlier-" + Guid.NewGuid().ToString("N")[..8];
        var ruleId = await CreateRuleAsync(tenant, Rule(id, new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") }, path));
        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OLD-1", "after the upgrade")))
        {
            Assert.That((int)accepted.StatusCode, Is.InRange(200, 299));
        }

        var run = (await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 1)).Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), "the earlier release's secret opens");
            Assert.That(ReceivedAt("/api/v2" + path).Single().Headers["Authorization"], Is.EqualTo("Bearer earlier-t0ken"));
        });

        // Edited with a new secret: sealed with a share of its own now; the run uses it.
        var edit = Samples.Connection(ThirdParty.Address, "later-t0ken");
        await Backend.JsonAsync(HttpMethod.Put, "/api/connections/" + id, tenant, edit);
        var edited = JsonNode.Parse((await partition.GetAsync(Keys.Connection(id), CancellationToken.None))!.Data)!;
        Assert.That(edited["secretCiphertext"]!.GetValue<string>(), Does.StartWith("v2."));
        using (var again = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OLD-2", "edited")))
        {
            Assert.That((int)again.StatusCode, Is.InRange(200, 299));
        }

        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 2);
        Assert.That(ReceivedAt("/api/v2" + path).Select(r => r.Headers["Authorization"]), Does.Contain("Bearer later-t0ken"));

        // Deleted as this build's own: refused while the rule uses it, then gone.
        using (var refused = await Backend.SendAsync(HttpMethod.Delete, "/api/connections/" + id, tenant))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }

        using (var rule = await Backend.SendAsync(HttpMethod.Delete, "/api/rules/" + ruleId, tenant))
        {
            Assert.That(rule.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var deleted = await Backend.SendAsync(HttpMethod.Delete, "/api/connections/" + id, tenant))
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        Assert.That(await partition.GetAsync(Keys.Connection(id), CancellationToken.None), Is.Null);
    }

    private async Task<JsonArray> RunsAsync(string tenant) => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
}
