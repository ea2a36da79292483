using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// On the DynamoDB store (dynalite) with KMS (the stand-in): after a tenant used every feature through the API — a
/// connection, a rule saved twice, an incoming webhook and a delivery, events and their runs, issue pointers,
/// de-duplication and replay markers, a support grant — its uninstall leaves no item in the table that holds its id,
/// a name it chose, an issue key or its wrapped data key, in any key or attribute.
/// </summary>
[TestFixture]
public sealed class UninstallTableResidueTests : DynamoBackendFixture
{
    protected override bool UsesKms => true;

    [Test]
    public async Task After_uninstall_no_item_of_the_table_holds_anything_the_tenant_wrote()
    {
        var tenant = Samples.NewTenant();
        var bystander = Samples.NewTenant();
        var tag = Guid.NewGuid().ToString("N")[..10];
        var needles = new Dictionary<string, string>
        {
            ["tenant id"] = tenant,
            ["connection name"] = "ConnName" + tag,
            ["rule name"] = "RuleName" + tag,
            ["rule path literal"] = "RulePath" + tag,
            ["old rule version literal"] = "OldVersion" + tag,
            ["webhook name"] = "HookName" + tag,
            ["grant reason"] = "GrantReason" + tag,
            ["issue key"] = "OPS-" + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture),
        };

        var connection = Samples.Connection(ThirdParty.Address, "ConnSecret" + tag);
        connection["name"] = needles["connection name"];
        var connectionId = (await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(connectionId, needles["rule name"]);
        rule["steps"]![0]!["path"] = "/" + needles["old rule version literal"] + "/{{ issue.key | url_encode }}";
        var ruleId = (await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201))["id"]!.GetValue<string>();
        rule["steps"]![0]!["path"] = "/" + needles["rule path literal"] + "/{{ issue.key | url_encode }}";
        await Api.JsonAsync(HttpMethod.Put, "/api/rules/" + ruleId, tenant, rule);

        var hook = await Api.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = needles["webhook name"] }, 201);
        var hookId = hook["id"]!.GetValue<string>();
        await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Hook rule " + tag,
            ["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connectionId, ["method"] = "POST",
                ["path"] = "/hooked", ["body"] = new JsonObject { ["note"] = "{{ webhook.body.note }}" },
            }),
        }, 201);

        using (var accepted = await Api.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(needles["issue key"], "Summary " + tag)))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var body = new JsonObject { ["note"] = "note " + tag }.ToJsonString();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hook["secret"]!.GetValue<string>()), Encoding.UTF8.GetBytes($"{ts}.{body}")));
        using (var delivered = await Api.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", Issuer.MintFor("/forge/webhook", tenant), new JsonObject
        {
            ["hookId"] = hookId, ["signature"] = signature, ["timestamp"] = ts, ["contentType"] = "application/json", ["body"] = body,
        }, withUserToken: false))
        {
            Assert.That(delivered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Api.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2, TimeSpan.FromSeconds(60));
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(2), "both runs finished");
        await Api.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 2, ["reason"] = needles["grant reason"] }, 201);
        await Api.JsonAsync(HttpMethod.Post, "/api/connections", bystander, Samples.Connection(ThirdParty.Address, "other"), 201);

        var before = await ScanTableAsync();
        Assert.That(needles.Where(n => !before.Contains(n.Value, StringComparison.Ordinal)).Select(n => n.Key), Is.Empty, "control: the scan sees everything the tenant wrote");

        using (var uninstall = await Api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject()))
        {
            Assert.That(uninstall.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var after = await ScanTableAsync();
        Assert.That(needles.Where(n => after.Contains(n.Value, StringComparison.Ordinal)).Select(n => n.Key), Is.Empty, "left in the table after the uninstall");
        Assert.That(after, Does.Contain(bystander), "control: other tenants are untouched");

        // The durable run queue's SQLite file beside the table (Queue:Provider InProcess) holds nothing of it either.
        var files = Api.DumpDataDirectory();
        Assert.That(needles.Where(n => files.Contains(n.Value, StringComparison.Ordinal)).Select(n => n.Key), Is.Empty, "left in the queue's SQLite files");
    }

    /// <summary>Every attribute of every item of the table, as text.</summary>
    private async Task<string> ScanTableAsync()
    {
        var text = new StringBuilder();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Table.Client.ScanAsync(new ScanRequest { TableName = Table.Name, ExclusiveStartKey = start });
            foreach (var item in page.Items)
            {
                foreach (var (name, value) in item)
                {
                    text.Append(name).Append('=').Append(value.S ?? value.N ?? (value.B is { } b ? Convert.ToBase64String(b.ToArray()) : null)).Append('\n');
                }
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return text.ToString();
    }
}
