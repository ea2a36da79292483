using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// A sentinel in the issue summary and in the connection's secret, rendered into URLs, headers and bodies of steps that
/// fail in many ways (bad URL after render, 4xx/5xx echoing the request, invalid JSON answer, redirects to refused or
/// invalid addresses carrying the sentinel): no log line at Trace, stored item, data file or runs API holds it, in
/// clear, URL-encoded or base64.
/// </summary>
[TestFixture]
public sealed class SentinelSweepTests : BackendFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>(BackendHost.FrameworkTrace);

    [Test]
    public async Task Sentinels_of_failing_steps_reach_no_log_store_file_or_runs_api()
    {
        var tenant = Samples.NewTenant();
        var summary = Samples.Canary("summary").ToLowerInvariant().Replace("canary-", "canary", StringComparison.Ordinal);
        var secret = Samples.Canary("secret");
        await using var echo = await LoopbackServer.StartAsync(async ctx =>
        {
            var path = ctx.Request.Path.Value ?? "";
            var request = ctx.Request.Path + ctx.Request.QueryString + " " + string.Join(";", ctx.Request.Headers.Select(h => h.Key + "=" + h.Value));
            using var reader = new StreamReader(ctx.Request.Body);
            request += await reader.ReadToEndAsync();
            var tail = Uri.EscapeDataString(request);
            if (path.Contains("/r500", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 500;
                ctx.Response.Headers["X-Echo"] = tail.Length > 200 ? tail[..200] : tail;
                await ctx.Response.WriteAsync(request);
            }
            else if (path.Contains("/r400", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 400;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"error\":" + System.Text.Json.JsonSerializer.Serialize(request) + "}");
            }
            else if (path.Contains("/badjson", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"x\":\"" + request + "\", \"y\": " + "nope" + request);
            }
            else if (path.Contains("/blocked", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = "http://169.254.169.254/" + tail;
            }
            else if (path.Contains("/badloc", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = "http://" + summary + ":99999999/" + tail;
            }
            else if (path.Contains("/unresolved", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = "http://" + summary + ".invalid/" + tail;
            }
            else if (path.Contains("/badhost", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = "http://" + summary + "_x%41/" + tail;
            }
            else
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"x\":" + System.Text.Json.JsonSerializer.Serialize(request) + ",\"n\":\"" + summary + "\"}");
            }
        });

        var connection = new JsonObject
        {
            ["name"] = "Sentinel " + Guid.NewGuid().ToString("N")[..6],
            ["baseUrl"] = new Uri(echo.Address, "/api").ToString(),
            ["auth"] = new JsonObject { ["type"] = "apiKey", ["in"] = "query", ["name"] = "api_key" },
            ["secret"] = secret,
        };
        var connectionId = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201))["id"]!.GetValue<string>();
        const string S = "{{ issue.fields.summary }}";
        var connections = new List<string>();

        // One connection per step: a shared one's breaker would open after a few failures and skip the rest.
        async Task<string> NewConnectionAsync()
        {
            var copy = connection.DeepClone().AsObject();
            copy["name"] = "Sentinel " + Guid.NewGuid().ToString("N")[..8];
            var id = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, copy, 201))["id"]!.GetValue<string>();
            connections.Add(id);
            return id;
        }

        for (var i = 0; i < 12; i++)
        {
            await NewConnectionAsync();
        }

        var next = 0;
        JsonObject Http(string id, string method, string path, JsonObject? extra = null)
        {
            var step = new JsonObject
            {
                ["id"] = id, ["type"] = "http", ["connection"] = connections[next++], ["method"] = method, ["path"] = path,
                ["query"] = new JsonObject { ["q"] = S }, ["headers"] = new JsonObject { ["X-S"] = S },
                ["onError"] = "continue",
            };
            if (method != "GET")
            {
                step["body"] = new JsonObject { ["s"] = S };
            }

            foreach (var (k, v) in extra ?? [])
            {
                step[k] = v?.DeepClone();
            }

            return step;
        }

        var steps = new JsonArray(
            Http("r500", "POST", "/r500/" + S),
            Http("r400", "POST", "/r400/" + S),
            Http("badjson", "GET", "/badjson/" + S),
            Http("blocked", "GET", "/blocked/" + S),
            Http("badloc", "GET", "/badloc/" + S),
            Http("unresolved", "GET", "/unresolved/" + S),
            Http("badhost", "GET", "/badhost/" + S),
            Http("ok", "GET", "/ok/" + S),
            new JsonObject { ["id"] = "url1", ["type"] = "http", ["method"] = "GET", ["url"] = "http://127.0.0.1:" + S + "/x", ["onError"] = "continue" },
            new JsonObject { ["id"] = "url2", ["type"] = "http", ["method"] = "GET", ["url"] = "http://a" + S + "@" + S + ":" + S + "/", ["onError"] = "continue" },
            new JsonObject { ["id"] = "url3", ["type"] = "http", ["method"] = "GET", ["url"] = "http://" + S + "_%zz/x", ["onError"] = "continue" },
            new JsonObject { ["id"] = "url4", ["type"] = "http", ["method"] = "GET", ["url"] = "http://[" + S + "]/x", ["onError"] = "continue" },
            Http("tpl1", "POST", "/ok", new JsonObject { ["body"] = new JsonObject { ["n"] = "{{ steps.ok.body.n | plus: 1 }}", ["d"] = "{{ steps.ok.body.n | date: '%Y' }}" } }),
            Http("tpl2", "POST", "/ok", new JsonObject { ["body"] = new JsonObject { ["n"] = "{{ issue.fields.summary.toNumber }}", ["m"] = "{{ issue.fields.summary | divided_by: 0 }}" } }),
            new JsonObject
            {
                ["id"] = "copy", ["type"] = "transfer", ["onError"] = "continue",
                ["source"] = new JsonObject { ["connection"] = connections[10], ["method"] = "GET", ["path"] = "/r500/" + S },
                ["destination"] = new JsonObject { ["connection"] = connectionId, ["method"] = "PUT", ["path"] = "/r400/" + S, ["headers"] = new JsonObject { ["X-S"] = S } },
            },
            new JsonObject
            {
                ["id"] = "copy2", ["type"] = "transfer", ["onError"] = "continue",
                ["source"] = new JsonObject { ["connection"] = connections[11], ["method"] = "GET", ["path"] = "/blocked/" + S },
                ["destination"] = new JsonObject { ["connection"] = connectionId, ["method"] = "PUT", ["path"] = "/ok/" + S },
            });
        var rule = new JsonObject
        {
            ["name"] = "sentinel sweep",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["conditions"] = new JsonObject { ["all"] = new JsonArray(new JsonObject { ["field"] = "issue.fields.summary", ["op"] = "matches", ["value"] = "^canary" }) },
            ["steps"] = steps,
        };
        string ruleId;
        using (var saved = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule))
        {
            var text = await saved.Content.ReadAsStringAsync();
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
            ruleId = JsonNode.Parse(text)!["id"]!.GetValue<string>();
        }

        // A dry run shows the admin their own sample's data, never the connection's secret (rendered into the query).
        var dryRun = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/" + ruleId + "/dry-run", tenant, new JsonObject { ["event"] = Samples.Event("OPS-76", summary) });
        Assert.That(dryRun.ToJsonString(), Does.Contain(summary), "the dry run rendered the sample");
        foreach (var form in new[] { secret, Uri.EscapeDataString(secret), Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) })
        {
            Assert.That(dryRun.ToJsonString(), Does.Not.Contain(form).IgnoreCase, "dry run: " + form);
        }

        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-77", summary)))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]![0]!;
        var detail = await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + run["id"]!.GetValue<string>(), tenant);
        var store = string.Join('\n', await Backend.DumpStoreAsync());
        var files = Backend.DumpDataDirectory();
        var logs = Backend.Logs.AllText;
        var categories = detail["steps"]!.AsArray().Select(st => st!["errorCategory"]?.GetValue<string>()).ToList();
        Assert.That(categories, Has.None.EqualTo("circuit_open"), "every step got to fail its own way");
        Assert.Multiple(() =>
        {
            foreach (var canary in new[] { summary, secret })
            {
                foreach (var form in new[] { canary, Uri.EscapeDataString(canary), Convert.ToBase64String(Encoding.UTF8.GetBytes(canary)) })
                {
                    Assert.That(logs, Does.Not.Contain(form).IgnoreCase, "logs: " + form);
                    Assert.That(store, Does.Not.Contain(form).IgnoreCase, "store: " + form);
                    Assert.That(files, Does.Not.Contain(form).IgnoreCase, "files: " + form);
                    Assert.That(runs.ToJsonString() + detail.ToJsonString(), Does.Not.Contain(form).IgnoreCase, "runs API: " + form);
                }
            }
        });
        if (logs.Contains(summary, StringComparison.OrdinalIgnoreCase) || logs.Contains(secret, StringComparison.OrdinalIgnoreCase))
        {
            foreach (var line in Backend.Logs.Lines.Where(l => l.Contains(summary, StringComparison.OrdinalIgnoreCase) || l.Contains(secret, StringComparison.OrdinalIgnoreCase)))
            {
                TestContext.Out.WriteLine("LEAK: " + (line.Length > 600 ? line[..600] : line));
            }
        }
    }
}
