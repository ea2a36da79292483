using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Permissions;
using BluBees.Api.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The canary places and failure paths SentinelSweepTests and PassThroughBatteryTests do not drive: an ADF description
/// and a custom field; third-party answers whose bodies, headers, a Location, a Retry-After and a Content-Type carry
/// canaries (4xx, 429, 5xx retried, 201, an odd media type); a JSON path miss; a loop over third-party data whose
/// iterations fail; a Jira step whose error body carries one, also as the key of its <c>errors</c> (which the run record
/// names as <c>failedField</c> only when the step sent that name); OAuth refresh tokens, client secrets, access tokens, a
/// rotated refresh token and token-endpoint error answers; an AI provider's answer (schema-breaking) and its error body;
/// a condition on data that stops a rule ("why didn't it run"); a manual run of an issue Jira answers with canaries; a
/// signed webhook body and content type; a dry run. No canary may be in a log line at Trace, a stored item, a byte of
/// the data directory, an API response an admin reads (runs list, run detail, issue runs, trace, rules, connections,
/// webhooks, support audit) or what support reads under a grant (runs list, run detail). A dry run may echo only the
/// admin's own sample (docs/api.md), never a secret or a third party's answer. Refused events, webhook deliveries and
/// manual runs whose fields (and the app system token) are canaries keep, log and answer none either.
/// </summary>
public sealed class CanaryGapSweepTests
{
    private TestIssuer Issuer { get; set; } = null!;
    private SupportIssuer Idp { get; set; } = null!;
    private BackendHost Backend { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        Idp = await SupportIssuer.StartAsync();
        var settings = Idp.Settings();
        foreach (var (key, value) in BackendHost.FrameworkTrace)
        {
            settings[key] = value;
        }

        Backend = await BackendHost.StartAsync(Issuer, settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await Backend.DisposeAsync();
        await Idp.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    [Test]
    public async Task No_canary_of_data_answers_or_secrets_survives_the_failure_paths()
    {
        var tenant = Samples.NewTenant();
        var c = new Dictionary<string, string>
        {
            ["summary"] = Samples.Canary("summary"), ["adf"] = Samples.Canary("adf"), ["custom"] = Samples.Canary("custom"),
            ["secret"] = Samples.Canary("secret"), ["aikey"] = Samples.Canary("aikey"), ["body"] = Samples.Canary("tp-body"),
            ["header"] = Samples.Canary("tp-header"), ["location"] = Samples.Canary("tp-location"), ["error"] = Samples.Canary("tp-error"),
            ["jira"] = Samples.Canary("jira-error"), ["ai"] = Samples.Canary("ai-answer"), ["aierror"] = Samples.Canary("ai-error"),
            ["manual"] = Samples.Canary("manual-summary"), ["hook"] = Samples.Canary("webhook-body"), ["system"] = Samples.Canary("system-token"),
            ["refresh"] = Samples.Canary("refresh"), ["client"] = Samples.Canary("client-secret"), ["access"] = Samples.Canary("access"),
            ["rotated"] = Samples.Canary("rotated-refresh"), ["oauth"] = Samples.Canary("oauth-error"),
            ["retry"] = Samples.Canary("retry-after"), ["ctype"] = Samples.Canary("content-type"), ["hooktype"] = Samples.Canary("hook-type"),
        };
        var attempts = new ConcurrentDictionary<string, int>();
        var sent = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            var path = ctx.Request.Path.Value ?? "";
            ctx.Request.EnableBuffering();
            using (var copy = new StreamReader(ctx.Request.Body, leaveOpen: true))
            {
                sent.Enqueue(Uri.UnescapeDataString(ctx.Request.Path + ctx.Request.QueryString.ToString()) + " " + string.Join(";", ctx.Request.Headers.Select(h => h.Key + "=" + h.Value)) + " " + await copy.ReadToEndAsync());
            }

            ctx.Request.Body.Position = 0;
            attempts.AddOrUpdate(path.Split('/').Skip(3).FirstOrDefault() ?? "", 1, (_, n) => n + 1);
            ctx.Response.Headers["X-Trace-Back"] = c["header"];
            ctx.Response.ContentType = "application/json";
            if (path.StartsWith("/oauth/", StringComparison.Ordinal))
            {
                (ctx.Response.StatusCode, var answer) = path switch
                {
                    "/oauth/rejected" => (400, "{\"error\":\"invalid_grant\",\"error_description\":\"" + c["oauth"] + "\"}"),
                    "/oauth/down" => (503, "{\"error\":\"" + c["oauth"] + "\"}"),
                    "/oauth/garbled" => (200, "{\"access_token\":\"" + c["oauth"] + "\",\"token_type\":\"Bearer\",\"access_token\":\"" + c["oauth"] + "\"}"),
                    _ => (200, "{\"access_token\":\"" + c["access"] + "\",\"token_type\":\"Bearer\",\"expires_in\":600,\"refresh_token\":\"" + c["rotated"] + "\"}"),
                };
                await ctx.Response.WriteAsync(answer);
            }
            else if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(ctx.Request.Body);
                var prompt = await reader.ReadToEndAsync();
                if (prompt.Contains("\"fail\"", StringComparison.Ordinal) || prompt.Contains("fail now", StringComparison.Ordinal))
                {
                    ctx.Response.StatusCode = 400;
                    await ctx.Response.WriteAsync("{\"error\":{\"message\":\"bad prompt " + c["aierror"] + "\"}}");
                    return;
                }

                await ctx.Response.WriteAsync(Completion("{\"priority\":\"" + c["ai"] + "\",\"labels\":[\"" + c["ai"] + "\"]}"));
            }
            else if (path.Contains("/items", StringComparison.Ordinal))
            {
                await ctx.Response.WriteAsync("{\"items\":[{\"v\":\"" + c["body"] + "\"},{\"v\":\"" + c["body"] + "x\"}],\"n\":\"" + c["body"] + "\"}");
            }
            else if (path.Contains("/e422", StringComparison.Ordinal) || path.Contains("/each", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = path.Contains("/each", StringComparison.Ordinal) ? 404 : 422;
                await ctx.Response.WriteAsync("{\"errors\":{\"field\":\"" + c["error"] + "\"}}");
            }
            else if (path.Contains("/e503", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 503;
                ctx.Response.Headers.RetryAfter = "0";
                await ctx.Response.WriteAsync("down: " + c["error"]);
            }
            else if (path.Contains("/e429", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 429;
                ctx.Response.Headers.RetryAfter = c["retry"];
                await ctx.Response.WriteAsync("{}");
            }
            else if (path.Contains("/odd", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "application/x-" + c["ctype"];
                await ctx.Response.WriteAsync("<x>" + c["body"] + "</x>");
            }
            else if (path.Contains("/created", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 201;
                ctx.Response.Headers.Location = "https://tickets.example/" + c["location"];
                await ctx.Response.WriteAsync("{\"id\":\"" + c["body"] + "\"}");
            }
            else
            {
                await ctx.Response.WriteAsync("{\"ok\":\"" + c["body"] + "\"}");
            }
        });

        var connectionBody = Samples.Connection(server.Address, c["secret"]);
        connectionBody["resilience"] = new JsonObject { ["maxRetries"] = 2, ["retryDelayMs"] = 0, ["breakerMinimumThroughput"] = 1000 };
        var connection = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connectionBody, 201))["id"]!.GetValue<string>();
        var ai = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, new JsonObject
        {
            ["name"] = "AI " + Guid.NewGuid().ToString("N")[..6], ["baseUrl"] = new Uri(server.Address, "/v1").ToString(),
            ["auth"] = new JsonObject { ["type"] = "bearer" }, ["secret"] = c["aikey"], ["provider"] = "openai",
        }, 201))["id"]!.GetValue<string>();

        const string S = "{{ issue.fields.summary }}";
        JsonObject Http(string id, string method, string path, JsonObject? body = null)
        {
            var step = new JsonObject
            {
                ["id"] = id, ["type"] = "http", ["connection"] = connection, ["method"] = method, ["path"] = path,
                ["query"] = new JsonObject { ["q"] = S }, ["headers"] = new JsonObject { ["X-C"] = "{{ issue.fields.customfield_10077 }}" },
                ["onError"] = "continue",
            };
            if (method != "GET")
            {
                step["body"] = body ?? new JsonObject { ["s"] = S, ["d"] = "{{ issue.fields.description }}" };
            }

            return step;
        }

        JsonObject Chat(string id, string prompt) => JsonNode.Parse($$"""
            { "id": "{{id}}", "type": "ai.chat", "connection": "{{ai}}", "model": "gpt-4o-mini", "onError": "continue",
              "prompt": "{{prompt}}",
              "schema": { "type": "object", "properties": { "priority": { "type": "string", "enum": ["High", "Low"] }, "labels": { "type": "array", "items": { "type": "string" } } }, "required": ["priority"] } }
            """)!.AsObject();
        JsonArray Steps() =>
        [
            Http("items", "GET", "/items/" + S),
            Http("miss", "POST", "/ok", new JsonObject { ["x"] = "{{ steps.items.body.nope.deeper }}", ["n"] = "{{ steps.items.body.n }}" }),
            Http("e422", "POST", "/e422/" + S),
            Http("e503", "GET", "/e503/" + S),
            Http("created", "POST", "/created"),
            Http("e429", "GET", "/e429/" + S),
            Http("odd", "GET", "/odd"),
            new JsonObject
            {
                ["id"] = "each", ["type"] = "forEach", ["items"] = "steps.items.body.items", ["onError"] = "continue",
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "one", ["type"] = "http", ["connection"] = connection, ["method"] = "GET", ["path"] = "/each/{{ item.v }}" }),
            },
            new JsonObject { ["id"] = "comment", ["type"] = "jira.comment", ["body"] = S + " {{ steps.items.body.n }}", ["onError"] = "continue" },
            Chat("triage", "Summary: {{ issue.fields.summary }} {{ issue.fields.description }}"),
            Chat("aifail", "fail now {{ issue.fields.summary }}"),
            Http("after", "POST", "/ok", new JsonObject { ["p"] = "{{ steps.triage.output.priority }}", ["h"] = "{{ steps.created.headers.location }}" }),
        ];

        async Task<JsonNode> CreateRuleAsync(string tenant, JsonObject rule) => await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        var eventRule = (await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "gaps event",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = Steps(),
        }))["id"]!.GetValue<string>();
        var conditionRule = (await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "gaps condition",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["conditions"] = new JsonObject
            {
                ["all"] = new JsonArray(
                    new JsonObject { ["field"] = "issue.fields.customfield_10077", ["op"] = "greaterThan", ["value"] = 3 },
                    new JsonObject { ["field"] = "issue.fields.summary", ["op"] = "equals", ["value"] = "not this" }),
            },
            ["steps"] = new JsonArray(Http("never", "POST", "/ok")),
        }))["id"]!.GetValue<string>();
        var manualRule = (await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "gaps manual", ["trigger"] = new JsonObject { ["type"] = "manual" }, ["steps"] = Steps(),
        }))["id"]!.GetValue<string>();
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "Gaps" }, 201);
        var hookId = hook["id"]!.GetValue<string>();
        await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "gaps webhook",
            ["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId },
            ["steps"] = new JsonArray(
                Http("hook422", "POST", "/e422/{{ webhook.body.order.id }}", new JsonObject { ["n"] = "{{ webhook.body.note }}" }),
                Http("hook503", "GET", "/e503/{{ webhook.body.note }}")),
        });

        async Task<string> OAuthAsync(string tokenPath) => (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, new JsonObject
        {
            ["name"] = "OAuth " + Guid.NewGuid().ToString("N")[..6], ["baseUrl"] = new Uri(server.Address, "/api/v2").ToString(),
            ["auth"] = new JsonObject { ["type"] = "oauth2RefreshToken", ["tokenUrl"] = new Uri(server.Address, tokenPath).ToString(), ["clientId"] = "blubees" },
            ["secret"] = c["refresh"], ["clientSecret"] = c["client"], ["resilience"] = new JsonObject { ["maxRetries"] = 0 },
        }, 201))["id"]!.GetValue<string>();
        var oauthSteps = new JsonArray();
        foreach (var tokenPath in new[] { "/oauth/rejected", "/oauth/down", "/oauth/garbled", "/oauth/ok" })
        {
            var step = Http("oauth_" + tokenPath[7..], "POST", "/e422/" + S);
            step["connection"] = await OAuthAsync(tokenPath);
            oauthSteps.Add(step);
        }

        await CreateRuleAsync(tenant, new JsonObject
        {
            ["name"] = "gaps oauth",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = oauthSteps,
        });

        var systemToken = Backend.Jira.SystemToken = c["system"];
        Backend.Jira.RespondAction = call => call.Path.Contains("/comment", StringComparison.Ordinal)
            ? (400, "{\"errorMessages\":[\"" + c["jira"] + "\"],\"errors\":{\"" + c["jira"] + "\":\"echoed\",\"comment\":\"" + c["jira"] + "\"}}")
            : null;
        Backend.Jira.SystemIssues = new ConcurrentDictionary<string, JsonObject>
        {
            ["OPS-61"] = FakeJira.Issue("OPS-61", new JsonObject
            {
                ["summary"] = c["manual"], ["customfield_10077"] = c["custom"],
                ["description"] = Adf(c["adf"]), ["priority"] = new JsonObject { ["name"] = "High" },
            }),
        };

        var evt = Samples.Event("OPS-60", c["summary"]);
        evt["issue"]!["fields"]!["description"] = Adf(c["adf"]);
        evt["issue"]!["fields"]!["customfield_10077"] = c["custom"];
        using (var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt, systemToken: systemToken))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        }

        using (var manual = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{manualRule}/run", tenant, new { issueKey = "OPS-61" }, accountId: AdminWriteTests.User, systemToken: systemToken))
        {
            Assert.That(manual.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await manual.Content.ReadAsStringAsync());
        }

        var hookBody = new JsonObject { ["order"] = new JsonObject { ["id"] = c["hook"] }, ["note"] = c["hook"] }.ToJsonString();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hook["secret"]!.GetValue<string>()), Encoding.UTF8.GetBytes($"{ts}.{hookBody}")));
        using (var delivered = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", Issuer.MintFor("/forge/webhook", tenant), new JsonObject
        {
            ["hookId"] = hookId, ["signature"] = signature, ["timestamp"] = ts, ["contentType"] = "application/" + c["hooktype"], ["body"] = hookBody,
        }, withUserToken: false))
        {
            Assert.That(delivered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await delivered.Content.ReadAsStringAsync());
        }

        var responses = new List<string>();
        async Task<JsonNode> ReadAsync(string path)
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path, tenant);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path + ": " + text);
            responses.Add(text);
            return JsonNode.Parse(text)!;
        }

        var runs = await Waits.UntilAsync(
            () => Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant),
            r => r["items"]!.AsArray().Count >= 4 && r["items"]!.AsArray().All(x => x!["status"]!.GetValue<string>() is not ("queued" or "running")),
            TimeSpan.FromSeconds(60));
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(4), "the event (two rules), the manual run and the webhook each ran once; the condition stopped its rule");
        var trace = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{conditionRule}/trace", tenant), t => t["items"]!.AsArray().Count > 0);
        responses.Add(trace.ToJsonString());
        await ReadAsync("/api/runs?limit=100");
        var categories = new List<string>();
        foreach (var run in runs["items"]!.AsArray())
        {
            var detail = await ReadAsync("/api/runs/" + run!["id"]!.GetValue<string>());
            categories.AddRange(detail["steps"]!.AsArray().Select(s => $"{s!["id"]} {s["status"]} {s["errorCategory"]}"));
        }

        // What support reads under a grant: the runs list and each run's detail, and the tenant's audit of those reads.
        await Backend.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 1, ["reason"] = "INC-77" }, 201);
        var supportRuns = "/support/tenants/" + Uri.EscapeDataString(tenant) + "/runs";
        foreach (var path in runs["items"]!.AsArray().Select(r => supportRuns + "/" + r!["id"]!.GetValue<string>()).Prepend(supportRuns + "?limit=200"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Idp.Mint());
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path + ": " + text);
            responses.Add(text);
        }

        await ReadAsync("/api/support/audit");
        await ReadAsync(FakeJira.RunsPath("OPS-60"));
        await ReadAsync($"/api/rules/{eventRule}");
        await ReadAsync("/api/connections");
        await ReadAsync("/api/webhooks");
        TestContext.Out.WriteLine(string.Join("\n", categories));
        Assert.That(categories, Is.SupersetOf(new[]
        {
            "items succeeded ", "e422 failed http_4xx", "e429 failed http_4xx", "odd succeeded ", "e503 failed http_5xx", "created succeeded ", "comment failed http_4xx", "aifail failed http_4xx", "each failed http_4xx",
            "triage failed ai_invalid_output", "hook422 failed http_4xx",
            "oauth_rejected failed oauth_token_rejected", "oauth_down failed oauth_token_unavailable", "oauth_garbled failed oauth_token_rejected", "oauth_ok failed http_4xx",
        }), "every failure path was driven");
        Assert.That(attempts.GetValueOrDefault("e503"), Is.GreaterThanOrEqualTo(3), "the 5xx was retried");

        // A dry run shows the admin their sample only: never the secrets, and it fetches nothing from third parties.
        using (var dry = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{eventRule}/dry-run", tenant, new JsonObject { ["event"] = evt.DeepClone() }))
        {
            var text = await dry.Content.ReadAsStringAsync();
            Assert.That(dry.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            Assert.That(text, Does.Contain(c["summary"]), "control: the dry run rendered the sample");
            foreach (var key in new[] { "secret", "aikey", "body", "header", "location", "error", "jira", "ai", "aierror", "system", "refresh", "client", "access", "rotated", "oauth", "retry", "ctype" })
            {
                Assert.That(text, Does.Not.Contain(c[key]), "dry run: " + key);
            }
        }

        // Control: every canary of data or secret really left through a step (so its absence below means something).
        var outbound = string.Join('\n', sent);
        foreach (var key in new[] { "summary", "adf", "custom", "secret", "aikey", "body", "manual", "hook", "refresh", "client", "access" })
        {
            Assert.That(outbound, Does.Contain(c[key]), "control: sent out " + key);
        }

        Assert.That(Backend.Jira.Actions.Any(a => a.Body.Contains(c["summary"], StringComparison.Ordinal) && a.Authorization == "Bearer " + c["system"]), Is.True, "control: the Jira step sent the summary");
        Assert.That(trace.ToJsonString(), Does.Contain("conditions"), "control: the trace names the condition that stopped the rule");

        var store = string.Join('\n', await Backend.DumpStoreAsync());
        var files = Backend.DumpDataDirectory();
        var logs = Backend.Logs.AllText;
        var api = string.Join('\n', responses);
        Assert.That(store, Does.Contain("http_5xx"), "control: the dump sees the run records");
        Assert.That(api, Does.Contain("http_4xx"), "control: the responses hold the run details");
        foreach (var line in Backend.Logs.Lines.Where(l => c.Values.Any(v => l.Contains(v, StringComparison.OrdinalIgnoreCase))).Take(20))
        {
            TestContext.Out.WriteLine("LEAK: " + (line.Length > 600 ? line[..600] : line));
        }

        Assert.Multiple(() =>
        {
            foreach (var (what, canary) in c)
            {
                foreach (var form in new[] { canary, Uri.EscapeDataString(canary), Convert.ToBase64String(Encoding.UTF8.GetBytes(canary)) })
                {
                    Assert.That(logs, Does.Not.Contain(form).IgnoreCase, "logs: " + what);
                    Assert.That(store, Does.Not.Contain(form).IgnoreCase, "store: " + what);
                    Assert.That(files, Does.Not.Contain(form).IgnoreCase, "files: " + what);
                    Assert.That(api, Does.Not.Contain(form).IgnoreCase, "API: " + what);
                }
            }
        });
    }

    [Test]
    public async Task Refused_events_deliveries_and_manual_runs_keep_and_answer_no_canary()
    {
        var tenant = Samples.NewTenant();
        var canary = Samples.Canary("refused");
        Backend.Jira.SystemToken = canary;
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "Refused" }, 201);
        var manualRule = (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "refused manual", ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "c", ["type"] = "jira.comment", ["body"] = "x" }),
        }, 201))["id"]!.GetValue<string>();
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "refused events", ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "c", ["type"] = "jira.comment", ["body"] = "x" }),
        }, 201);
        var answers = new List<string>();
        var accepted = 0;

        async Task SendAsync(string what, HttpMethod method, string path, object body, int expected, string? token = null)
        {
            using var response = token is null
                ? await Backend.SendAsync(method, path, tenant, body, systemToken: canary)
                : await Backend.SendWithTokenAsync(method, path, token, body, withUserToken: false);
            var text = await response.Content.ReadAsStringAsync();
            // What each refusal answers is pinned by the ingress tests; here only that none fails the server or keeps the canary.
            Assert.That((int)response.StatusCode, expected == 403 ? Is.EqualTo(403) : Is.InRange(200, 499), what + ": " + text);
            accepted += text.Contains("\"accepted\"", StringComparison.Ordinal) ? 1 : 0;
            answers.Add(what + ": " + (int)response.StatusCode + " " + text);
        }

        JsonObject Event(Action<JsonObject> edit)
        {
            var evt = Samples.Event("OPS-90", "Summary " + canary);
            edit(evt);
            return evt;
        }

        await SendAsync("timestamp", HttpMethod.Post, "/forge/events", Event(e => e["timestamp"] = canary), 400);
        await SendAsync("issue key", HttpMethod.Post, "/forge/events", Event(e => e["issue"]!["key"] = canary), 400);
        await SendAsync("issue id", HttpMethod.Post, "/forge/events", Event(e => e["issue"]!["id"] = canary), 400);
        await SendAsync("event type", HttpMethod.Post, "/forge/events", Event(e => e["eventType"] = "avi:jira:" + canary), 200);
        await SendAsync("changelog id", HttpMethod.Post, "/forge/events", Event(e => e["changelog"]!["id"] = new JsonObject { ["x"] = canary }), 400);
        await SendAsync("manual issue key", HttpMethod.Post, $"/api/rules/{manualRule}/run", new { issueKey = canary }, 400);
        await SendAsync("manual request id", HttpMethod.Post, $"/api/rules/{manualRule}/run", new { issueKey = "OPS-1", requestId = canary + "!" }, 400);
        var body = new JsonObject { ["note"] = canary }.ToJsonString();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        await SendAsync("forged webhook", HttpMethod.Post, "/forge/webhook", new JsonObject
        {
            ["hookId"] = hook["id"]!.GetValue<string>(), ["signature"] = new string('a', 64), ["timestamp"] = ts, ["contentType"] = "application/json", ["body"] = body,
        }, 403, Issuer.MintFor("/forge/webhook", tenant));
        await SendAsync("webhook timestamp", HttpMethod.Post, "/forge/webhook", new JsonObject
        {
            ["hookId"] = hook["id"]!.GetValue<string>(), ["signature"] = canary, ["timestamp"] = canary, ["contentType"] = canary, ["body"] = body,
        }, 403, Issuer.MintFor("/forge/webhook", tenant));

        var runs = await Waits.UntilAsync(
            () => Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant),
            r => r["items"]!.AsArray().Count >= accepted && r["items"]!.AsArray().All(x => x!["status"]!.GetValue<string>() is not ("queued" or "running")));
        answers.Add(runs.ToJsonString());
        foreach (var run in runs["items"]!.AsArray())
        {
            answers.Add((await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + run!["id"]!.GetValue<string>(), tenant)).ToJsonString());
        }

        var store = string.Join('\n', await Backend.DumpStoreAsync());
        var files = Backend.DumpDataDirectory();
        var logs = Backend.Logs.AllText;
        var said = string.Join('\n', answers);
        TestContext.Out.WriteLine($"{accepted} accepted\n" + (said.Length > 6000 ? said[..6000] : said));
        foreach (var line in Backend.Logs.Lines.Where(l => l.Contains(canary, StringComparison.OrdinalIgnoreCase)).Take(10))
        {
            TestContext.Out.WriteLine("LEAK: " + (line.Length > 600 ? line[..600] : line));
        }

        Assert.Multiple(() =>
        {
            foreach (var form in new[] { canary, Uri.EscapeDataString(canary), Convert.ToBase64String(Encoding.UTF8.GetBytes(canary)) })
            {
                Assert.That(logs, Does.Not.Contain(form).IgnoreCase, "logs");
                Assert.That(store, Does.Not.Contain(form).IgnoreCase, "store");
                Assert.That(files, Does.Not.Contain(form).IgnoreCase, "files");
                Assert.That(said, Does.Not.Contain(form).IgnoreCase, "answers");
            }
        });
    }

    private static JsonObject Adf(string text) => new()
    {
        ["type"] = "doc", ["version"] = 1,
        ["content"] = new JsonArray(new JsonObject
        {
            ["type"] = "paragraph", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Plans " + text }),
        }),
    };

    private static string Completion(string content) => new JsonObject
    {
        ["id"] = "chatcmpl-gaps", ["object"] = "chat.completion", ["created"] = 1705314600, ["model"] = "gpt-4o-mini",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0, ["finish_reason"] = "stop",
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
    }.ToJsonString();
}
