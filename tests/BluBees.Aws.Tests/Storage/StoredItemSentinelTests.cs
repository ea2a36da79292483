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
/// On the DynamoDB store: an event and a webhook delivery whose issue summary, webhook body, connection secret, webhook
/// secret and system token are sentinels, queued (embedded queue beside the table) and run through steps that fail with the third party echoing the request: no
/// item of the table, and no byte of the data directory, holds a sentinel in clear, URL-encoded or base64, in any attribute (binary ones read as text too).
/// </summary>
[TestFixture]
public sealed class StoredItemSentinelTests : DynamoBackendFixture
{
    [Test]
    public async Task No_stored_item_holds_a_payload_secret_or_token_sentinel()
    {
        var tenant = Samples.NewTenant();
        var summary = Samples.Canary("summary");
        var note = Samples.Canary("note");
        var secret = Samples.Canary("secret");
        var systemToken = Samples.Canary("system");
        ThirdParty.Respond = r => (500, r.Path + "?" + r.Query + " " + string.Join(";", r.Headers.Select(h => h.Key + "=" + h.Value)) + " " + r.Body);

        var connection = Samples.Connection(ThirdParty.Address, secret);
        connection["auth"] = new JsonObject { ["type"] = "apiKey", ["in"] = "query", ["name"] = "api_key" };
        var connectionId = (await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201))["id"]!.GetValue<string>();
        var hook = await Api.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "Orders" }, 201);
        var hookId = hook["id"]!.GetValue<string>();
        var hookSecret = hook["secret"]!.GetValue<string>();

        JsonObject Step(string value) => new()
        {
            ["id"] = "s", ["type"] = "http", ["connection"] = connectionId, ["method"] = "POST", ["path"] = "/x/" + value,
            ["query"] = new JsonObject { ["q"] = value }, ["headers"] = new JsonObject { ["X-S"] = value }, ["body"] = new JsonObject { ["s"] = value },
        };
        await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "on event",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(Step("{{ issue.fields.summary }}")),
        }, 201);
        await Api.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "on hook",
            ["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId },
            ["steps"] = new JsonArray(Step("{{ webhook.body.note }}")),
        }, 201);

        using (var accepted = await Api.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-12", summary), systemToken: systemToken))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var body = new JsonObject { ["note"] = note }.ToJsonString();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hookSecret), Encoding.UTF8.GetBytes($"{ts}.{body}")));
        using (var delivered = await Api.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", Issuer.MintFor("/forge/webhook", tenant), new JsonObject
        {
            ["hookId"] = hookId, ["signature"] = signature, ["timestamp"] = ts, ["contentType"] = "application/json", ["body"] = body,
        }, withUserToken: false, systemToken: systemToken))
        {
            Assert.That(delivered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await delivered.Content.ReadAsStringAsync());
        }

        var runs = await Waits.UntilAsync(() => Api.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
        Assert.That(ThirdParty.Received.Count(r => r.Body.Contains(summary, StringComparison.Ordinal) || r.Body.Contains(note, StringComparison.Ordinal)), Is.EqualTo(2), "both steps sent their data");

        var items = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Table.Client.ScanAsync(new ScanRequest { TableName = Table.Name, ExclusiveStartKey = start });
            items.AddRange(page.Items.Select(Text));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        var stored = string.Join('\n', items);
        var files = Api.DumpDataDirectory();
        Assert.That(stored, Does.Contain(hookId), "the scan sees the tenant's items");
        Assert.Multiple(() =>
        {
            foreach (var canary in new[] { summary, note, secret, systemToken, hookSecret })
            {
                foreach (var form in new[] { canary, Uri.EscapeDataString(canary), Convert.ToBase64String(Encoding.UTF8.GetBytes(canary)) })
                {
                    Assert.That(stored, Does.Not.Contain(form).IgnoreCase, "stored items: " + form);
                    Assert.That(Api.Logs.AllText, Does.Not.Contain(form).IgnoreCase, "logs: " + form);
                    Assert.That(files, Does.Not.Contain(form).IgnoreCase, "data directory bytes (the embedded queue beside the table): " + form);
                    Assert.That(runs.ToJsonString(), Does.Not.Contain(form).IgnoreCase, "runs API: " + form);
                }
            }
        });
    }

    private static string Text(Dictionary<string, AttributeValue> item)
        => string.Join(" | ", item.Select(a => a.Key + "=" + Value(a.Value)));

    private static string Value(AttributeValue v)
    {
        if (v.S is not null)
        {
            return v.S;
        }

        if (v.B is not null)
        {
            var bytes = v.B.ToArray();
            return Convert.ToBase64String(bytes) + " " + Encoding.UTF8.GetString(bytes);
        }

        if (v.N is not null)
        {
            return v.N;
        }

        if (v.M is { Count: > 0 })
        {
            return "{" + Text(v.M) + "}";
        }

        if (v.L is { Count: > 0 })
        {
            return "[" + string.Join(", ", v.L.Select(Value)) + "]";
        }

        if (v.SS is { Count: > 0 })
        {
            return string.Join(", ", v.SS);
        }

        return "";
    }
}
