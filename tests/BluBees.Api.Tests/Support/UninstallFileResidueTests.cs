using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// After a tenant used every feature through the API — a connection, rules saved in several versions, an incoming
/// webhook and its deliveries, events with their runs, issue pointers, de-duplication and replay markers, a support
/// grant and support reads with their audit — its uninstall leaves none of the names, values or ids it wrote readable
/// in any file of the data directory (database, <c>-wal</c>, <c>-shm</c>, key ring), while the backend runs. This
/// found stale copies of the tenant's rows in pages' unallocated space about one run in four (SqliteStaleCellTests).
/// </summary>
public sealed class UninstallFileResidueTests : SupportFixture
{
    [Test]
    public async Task After_uninstall_no_file_of_the_data_directory_holds_anything_the_tenant_wrote()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        var tag = Guid.NewGuid().ToString("N")[..10];
        var needles = new Dictionary<string, string>
        {
            ["tenant id"] = tenant,
            ["connection name"] = "ConnName" + tag,
            ["connection secret"] = "ConnSecret" + tag,
            ["rule name"] = "RuleName" + tag,
            ["rule path literal"] = "RulePath" + tag,
            ["old rule version literal"] = "OldVersion" + tag,
            ["webhook name"] = "HookName" + tag,
            ["webhook body"] = "HookNote" + tag,
            ["grant reason"] = "GrantReason" + tag,
            ["issue key"] = "OPS-" + (Random.Shared.Next(100_000, 999_999)).ToString(CultureInfo.InvariantCulture),
            ["event summary"] = "Summary" + tag,
        };

        // A connection, and a rule saved twice (two versions, the first with a literal of its own).
        var connection = Samples.Connection(ThirdParty.Address, needles["connection secret"]);
        connection["name"] = needles["connection name"];
        var connectionId = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(connectionId, needles["rule name"]);
        rule["steps"]![0]!["path"] = "/" + needles["old rule version literal"] + "/{{ issue.key | url_encode }}";
        var ruleId = (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201))["id"]!.GetValue<string>();
        rule["steps"]![0]!["path"] = "/" + needles["rule path literal"] + "/{{ issue.key | url_encode }}";
        await Backend.JsonAsync(HttpMethod.Put, "/api/rules/" + ruleId, tenant, rule);

        // An incoming webhook, a rule on it, and one signed delivery.
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = needles["webhook name"] }, 201);
        var hookId = hook["id"]!.GetValue<string>();
        var hookRule = new JsonObject
        {
            ["name"] = "Hook rule " + tag,
            ["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connectionId, ["method"] = "POST",
                ["path"] = "/hooked", ["body"] = new JsonObject { ["note"] = "{{ webhook.body.note }}" },
            }),
        };
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, hookRule, 201);

        // Events: a run of the rule (issue pointer, last run, de-duplication marker).
        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(needles["issue key"], needles["event summary"])))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var body = new JsonObject { ["note"] = needles["webhook body"] }.ToJsonString();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hook["secret"]!.GetValue<string>()), Encoding.UTF8.GetBytes($"{ts}.{body}")));
        using (var delivered = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", Forge.MintFor("/forge/webhook", tenant), new JsonObject
        {
            ["hookId"] = hookId, ["signature"] = signature, ["timestamp"] = ts, ["contentType"] = "application/json", ["body"] = body,
        }, withUserToken: false))
        {
            Assert.That(delivered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(2), "both runs finished");

        // A support grant, and support reads (audit entries).
        await GrantAsync(tenant, reason: needles["grant reason"]);
        using (var read = await SupportGetAsync(RunsPath(tenant)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // Another tenant keeps writing throughout.
        await CreateRunAsync(bystander);

        var key = await Backend.Services.GetRequiredService<IStore>().GetAsync(Keys.Tenant(tenant), Keys.DataKey, CancellationToken.None);
        needles["wrapped data key"] = StoredJson.Write(StoredJson.Read<StoredDataKey>(key!.Data).Wrapped)[1..^1]; // as stored: JSON escapes '+'
        var before = Backend.DumpDataDirectory();
        Assert.That(needles.Where(n => !before.Contains(n.Value, StringComparison.Ordinal)).Select(n => n.Key), Is.EquivalentTo(new[] { "connection secret", "webhook body", "event summary" }),
            "control: the scan sees everything the tenant wrote (the secret and the payloads only as ciphertext)");

        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject()))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var after = Backend.DumpDataDirectory();
        Assert.That(needles.Where(n => after.Contains(n.Value, StringComparison.Ordinal)).Select(n => n.Key), Is.Empty,
            "readable in the data directory after the uninstall");
        Assert.That(after, Does.Contain(bystander), "control: other tenants are untouched");

        // Nor did any of it reach the logs, which no deletion reaches (the tenant id may: operator lines name it).
        var logs = Backend.Logs.AllText;
        Assert.That(needles.Where(n => n.Key != "tenant id" && logs.Contains(n.Value, StringComparison.Ordinal)).Select(n => n.Key), Is.Empty, "in the logs");
    }

    [Test]
    public async Task An_install_under_the_same_id_after_the_uninstall_sees_none_of_the_earlier_installations_data()
    {
        var tenant = Samples.NewTenant();
        var issueKey = "OPS-" + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var connection = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "old-secret"), 201);
        var connectionId = connection["id"]!.GetValue<string>();
        var ruleId = (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connectionId), 201))["id"]!.GetValue<string>();
        var hookId = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "Old hook" }, 201))["id"]!.GetValue<string>();
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "before the uninstall")))
        {
            await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        }

        await GrantAsync(tenant);
        using (var read = await SupportGetAsync(RunsPath(tenant)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: support reads the run log under the grant");
        }

        using (var uninstall = await Backend.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject()))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using (var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" }))
        {
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.Multiple(async () =>
        {
            foreach (var list in new[] { "/api/connections", "/api/rules", "/api/webhooks", "/api/runs", "/api/support/grants", "/api/support/audit", Harness.FakeJira.RunsPath(issueKey) })
            {
                Assert.That((await Backend.JsonAsync(HttpMethod.Get, list, tenant))["items"]!.AsArray(), Is.Empty, list);
            }

            foreach (var item in new[] { "/api/connections/" + connectionId, "/api/rules/" + ruleId, "/api/webhooks/" + hookId, $"/api/rules/{ruleId}/versions/1" })
            {
                using var response = await Backend.SendAsync(HttpMethod.Get, item, tenant);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), item);
            }

            using var support = await SupportGetAsync(RunsPath(tenant));
            Assert.That(support.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the earlier installation's grant does not reach the new one");
        });

        // An event of the new installation runs no rule of the earlier one.
        var before = ThirdParty.Received.Count;
        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "after the reinstall")))
        {
            Assert.That((int)accepted.StatusCode, Is.LessThan(300));
        }

        await Task.Delay(300);
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), Is.Empty);
        Assert.That(ThirdParty.Received, Has.Count.EqualTo(before), "no step of the earlier installation's rule ran");
    }
}
