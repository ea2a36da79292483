using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using BluBees.Api.Tests.Webhooks;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Compatibility;

/// <summary>
/// After a rollback, the routes Forge calls (life cycle, webhook, scheduled trigger) over items a later build wrote, on
/// Kestrel over real SQLite: each answered 500 before (a strict read of the tenant record, the hook, a schedule's
/// state), which Forge or the third party retried without end. The tenant record and the schedule state are the
/// backend's own bookkeeping and are read leniently (the record is written back keeping what the later build added);
/// a hook verifies deliveries, so one this build cannot read is not used: 503 with Retry-After, nothing kept.
/// </summary>
public sealed class LaterBuildForgeRoutesTests : WebhookKit
{
    [Test]
    public async Task An_upgrade_event_over_a_tenant_record_a_later_build_wrote_is_taken_and_keeps_what_that_build_added()
    {
        var tenant = Samples.NewTenant();
        using (var first = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("WEB-1", "creates the tenant record")))
        {
            Assert.That((int)first.StatusCode, Is.LessThan(300));
        }

        var marker = Samples.Canary("laterbuild");
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var before = (await partition.GetAsync(Keys.TenantMeta, CancellationToken.None))!;
        await partition.PutAsync(Keys.TenantMeta, "{\"" + marker + "\":{\"kept\":1}," + before.Data[1..], CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(5));

        using (var upgraded = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject
        {
            ["eventType"] = "avi:forge:upgraded:app",
            ["id"] = tenant,
            ["upgraderAccountId"] = "4ad9aa0c52dc1b420a791d12",
            ["app"] = new JsonObject { ["id"] = "406d303d-0393-4ec4-ad7c-1435be94583a", ["version"] = "9.0.0" },
        }))
        {
            Assert.That((int)upgraded.StatusCode, Is.InRange(200, 299), await upgraded.Content.ReadAsStringAsync());
        }

        var after = JsonNode.Parse((await partition.GetAsync(Keys.TenantMeta, CancellationToken.None))!.Data)!.AsObject();
        var original = JsonNode.Parse(before.Data)!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(after[marker]?["kept"]?.GetValue<int>(), Is.EqualTo(1), "the later build's member is kept for when it is deployed again");
            Assert.That(after["updatedAt"]!.GetValue<DateTimeOffset>(), Is.GreaterThan(original["updatedAt"]!.GetValue<DateTimeOffset>()), "this build's members were updated");
            Assert.That(after["installedAt"]!.ToJsonString(), Is.EqualTo(original["installedAt"]!.ToJsonString()));
        });
    }

    [Test]
    public async Task A_delivery_to_a_hook_a_later_build_saved_is_503_keeps_nothing_and_runs_once_the_hook_is_saved_again()
    {
        var tenant = Samples.NewTenant();
        var (hookId, _) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "laterbuild");
        var marker = Samples.Canary("laterbuild");
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var hook = (await partition.GetAsync("HOOK#" + hookId, CancellationToken.None))!;
        await partition.PutAsync(hook.Sk, "{\"" + marker + "\":true," + hook.Data[1..], CancellationToken.None);

        // Signed with a secret the test cannot know any more is beside the point: the hook is not even read.
        using (var refused = await DeliverAsync(tenant, hookId, OrderBody("A-1", "n"), new string('0', 64), Now))
        {
            var text = await refused.Content.ReadAsStringAsync();
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
            Assert.That(refused.Headers.RetryAfter, Is.Not.Null, "the sender retries");
            var problem = JsonNode.Parse(text)!;
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("newer version"));
            Assert.That(text, Does.Not.Contain(marker));
        }

        Assert.That(await RunsAsync(tenant), Is.Empty, "nothing was queued");
        Assert.That(Backend.Logs.AllText, Does.Contain($"Webhook {hookId} was saved by a newer version of BluBees").And.Not.Contain(marker));

        // Saved again by this build (a new secret): deliveries are verified and run again.
        var rotated = await Backend.JsonAsync(HttpMethod.Post, $"/api/webhooks/{hookId}/rotate-secret", tenant);
        var secret = rotated["secret"]!.GetValue<string>();
        using (var accepted = await DeliverSignedAsync(tenant, hookId, secret, OrderBody("A-2", "n")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        }

        var run = (await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 1)).Single()!;
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
    }

    [TestCase("SCHED#")]
    [TestCase("SCHEDCUR#")]
    public async Task The_scheduled_trigger_over_schedule_state_a_later_build_wrote_answers_and_fires_when_due(string prefix)
    {
        var tenant = Samples.NewTenant();
        var schedule = prefix == "SCHED#"
            ? new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } }
            : new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["cron"] = "*/5 * * * *" } };
        var path = "/laterbuild-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), schedule, path));
        if (prefix == "SCHEDCUR#")
        {
            Clock.Advance(TimeSpan.FromMinutes(6)); // an occurrence after the rule's save
        }

        var fired = await TriggerAsync(tenant);
        Assert.That(fired, Is.GreaterThanOrEqualTo(1), "control: the first call fires and leaves the schedule's state");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == fired);

        var marker = Samples.Canary("laterbuild");
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var page = await partition.QueryAsync(new TenantQuery(prefix) { Limit = 100 }, CancellationToken.None);
        Assert.That(page.Items, Is.Not.Empty, "state under " + prefix);
        foreach (var item in page.Items.Where(i => i.Data.StartsWith('{')))
        {
            await partition.PutAsync(item.Sk, "{\"" + marker + "\":true," + item.Data[1..], CancellationToken.None);
        }

        Backend.Services.GetRequiredService<RuleCache>().Clear();
        Assert.That(await TriggerAsync(tenant), Is.Zero, "read, and nothing due again at once");
        Clock.Advance(TimeSpan.FromMinutes(61));
        var again = await TriggerAsync(tenant);
        Assert.That(again, Is.GreaterThanOrEqualTo(1), "due again: fired from the state the later build wrote");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == fired + again);
    }

    private async Task<int> TriggerAsync(string tenant)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
        return JsonNode.Parse(text)!["queued"]!.GetValue<int>();
    }
}
