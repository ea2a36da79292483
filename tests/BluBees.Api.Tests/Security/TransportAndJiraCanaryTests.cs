using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The failure paths the other canary sweeps do not drive, on a commented event (canaries in the summary, the comment
/// body, a changelog value, the Forge system token and the Forge token itself): every Jira step kind (comment, edit,
/// transition by name and by id, assign, fetch, create, link, search) against a Jira answering 400 and 404 that echo the
/// request and the token, 401 with a canary in <c>WWW-Authenticate</c>, 500, a redirect whose <c>Location</c> carries a
/// token, a malformed JSON answer quoting data, a 429 whose <c>Retry-After</c> is a canary, a success full of canaries,
/// and a 400 whose <c>errors</c> key is a canary; and HTTP steps over connections with an API key in the query against a
/// third party answering 401 with <c>WWW-Authenticate</c>, a redirect loop with a token in each <c>Location</c>, an
/// oversize body, a 300, an unknown charset, a cross-origin 307, a body cut mid-way, malformed JSON and a 422 echoing the
/// request; a TLS handshake with a plain port; a literal URL whose query holds an API key failing on TLS and on DNS;
/// template and condition errors over the data. No canary reaches a log line at Trace, a run record, the runs, issue-runs
/// and trace APIs, a stored item or a byte of the data directory; the URL's API key (configuration the rule holds)
/// reaches nothing but the rule's own stored versions.
/// </summary>
public sealed class TransportAndJiraCanaryTests
{
    [Test]
    public async Task No_canary_survives_jira_and_transport_failures_of_every_step_kind()
    {
        var c = new Dictionary<string, string>
        {
            ["summary"] = Samples.Canary("summary"), ["comment"] = Samples.Canary("comment"), ["changelog"] = Samples.Canary("changelog"),
            ["system"] = Samples.Canary("system"), ["secret"] = Samples.Canary("secret"), ["jira"] = Samples.Canary("jira"),
            ["jirahdr"] = Samples.Canary("jirahdr"), ["jiraloc"] = Samples.Canary("jiraloc"), ["tp"] = Samples.Canary("tp"),
            ["tphdr"] = Samples.Canary("tphdr"), ["tploc"] = Samples.Canary("tploc"), ["charset"] = Samples.Canary("charset"),
            ["qsecret"] = Samples.Canary("qsecret"), ["retry"] = Samples.Canary("retry"), ["jirakey"] = Samples.Canary("jirakey"),
        };
        Uri? jiraTarget = null;
        var jiraTokens = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var forward = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        await using var jiraProxy = await LoopbackServer.StartAsync(async ctx =>
        {
            ctx.Request.EnableBuffering();
            string body;
            using (var reader = new StreamReader(ctx.Request.Body, leaveOpen: true))
            {
                body = await reader.ReadToEndAsync();
            }

            ctx.Request.Body.Position = 0;
            var where = ctx.Request.Path + ctx.Request.QueryString.ToString() + " " + body;
            var mode = System.Text.RegularExpressions.Regex.Match(where, "ERR-(\\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (mode == 0)
            {
                using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri(jiraTarget!, ctx.Request.Path + ctx.Request.QueryString));
                foreach (var h in ctx.Request.Headers)
                {
                    if (h.Key is "Host" or "Content-Length" or "Content-Type" or "Transfer-Encoding")
                    {
                        continue;
                    }

                    request.Headers.TryAddWithoutValidation(h.Key, h.Value.ToArray());
                }

                if (body.Length > 0)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var answer = await forward.SendAsync(request);
                ctx.Response.StatusCode = (int)answer.StatusCode;
                ctx.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
                var text = await answer.Content.ReadAsStringAsync();
                if (text.Length > 0)
                {
                    await ctx.Response.WriteAsync(text);
                }

                return;
            }

            jiraTokens.Enqueue(ctx.Request.Headers.Authorization.ToString());
            var echo = where + " auth=" + ctx.Request.Headers.Authorization + " " + c["jira"];
            ctx.Response.Headers["X-Echo"] = c["jirahdr"];
            switch (mode)
            {
                case 1:
                    ctx.Response.StatusCode = 400;
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync(new JsonObject { ["errorMessages"] = new JsonArray(echo), ["errors"] = new JsonObject { ["summary"] = echo } }.ToJsonString());
                    break;
                case 2:
                    ctx.Response.StatusCode = 500;
                    await ctx.Response.WriteAsync(echo);
                    break;
                case 3:
                    ctx.Response.StatusCode = ctx.Request.Method == "GET" ? 302 : 303;
                    ctx.Response.Headers.Location = "http://127.0.0.1:1/" + c["jiraloc"] + "?token=" + c["jiraloc"];
                    break;
                case 4:
                    ctx.Response.StatusCode = 200;
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync("{\"id\":\"1\",\"key\":\"" + c["jira"] + "\", \"fields\": {\"summary\": " + c["jira"]);
                    break;
                case 5:
                    ctx.Response.StatusCode = ctx.Request.Method == "POST" ? 201 : 200;
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync(new JsonObject
                    {
                        ["id"] = "10005", ["key"] = "ERR-5", ["self"] = "https://x.example/" + c["jira"],
                        ["fields"] = new JsonObject { ["summary"] = c["jira"] },
                        ["transitions"] = new JsonArray(new JsonObject { ["id"] = "31", ["name"] = c["jira"] }),
                        ["issues"] = new JsonArray(new JsonObject { ["id"] = "10005", ["key"] = "ERR-5", ["fields"] = new JsonObject { ["summary"] = c["jira"] } }),
                    }.ToJsonString());
                    break;
                case 6:
                    ctx.Response.StatusCode = 429;
                    ctx.Response.Headers.RetryAfter = c["retry"];
                    ctx.Response.Headers["X-RateLimit-Reset"] = c["retry"];
                    await ctx.Response.WriteAsync(echo);
                    break;
                case 7:
                    ctx.Response.StatusCode = 401;
                    ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"" + c["jirahdr"] + "\"";
                    await ctx.Response.WriteAsync(echo);
                    break;
                case 8:
                    ctx.Response.StatusCode = 400;
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync("{\"errorMessages\":[],\"errors\":{\"" + c["jirakey"] + "\":\"no\"}}");
                    break;
                default:
                    ctx.Response.StatusCode = 404;
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync("{\"errorMessages\":[\"" + c["jira"] + "\"]}");
                    break;
            }
        });

        await using var tp = await LoopbackServer.StartAsync(async ctx =>
        {
            var path = ctx.Request.Path.Value ?? "";
            string body;
            using (var reader = new StreamReader(ctx.Request.Body))
            {
                body = await reader.ReadToEndAsync();
            }

            var echo = ctx.Request.Path + ctx.Request.QueryString.ToString() + " " + string.Join(";", ctx.Request.Headers.Select(h => h.Key + "=" + h.Value)) + " " + body + " " + c["tp"];
            ctx.Response.Headers["X-Echo"] = c["tphdr"];
            if (path.Contains("/h401", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 401;
                ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"" + c["tphdr"] + "\"";
                await ctx.Response.WriteAsync(echo);
            }
            else if (path.Contains("/loop", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = path + "x?token=" + c["tploc"];
            }
            else if (path.Contains("/big", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"x\":\"" + c["tp"] + new string('a', 12 * 1024 * 1024) + "\"}");
            }
            else if (path.Contains("/h300", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 300;
                ctx.Response.Headers.Location = "/" + c["tploc"];
                await ctx.Response.WriteAsync(echo);
            }
            else if (path.Contains("/charset", StringComparison.Ordinal))
            {
                ctx.Response.Headers.ContentType = "application/json; charset=" + c["charset"];
                await ctx.Response.WriteAsync("{\"x\":\"" + c["tp"] + "\"}");
            }
            else if (path.Contains("/textcharset", StringComparison.Ordinal))
            {
                ctx.Response.Headers.ContentType = "text/plain; charset=" + c["charset"];
                await ctx.Response.WriteAsync(echo);
            }
            else if (path.Contains("/cross", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 307;
                ctx.Response.Headers.Location = "http://localhost:" + ctx.Request.Host.Port + "/" + c["tploc"] + "?k=" + c["tploc"];
            }
            else if (path.Contains("/abort", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength = 100000;
                await ctx.Response.WriteAsync("{\"x\":\"" + c["tp"]);
                await ctx.Response.Body.FlushAsync();
                ctx.Abort();
            }
            else if (path.Contains("/badjson", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"x\": " + c["tp"] + "}");
            }
            else
            {
                ctx.Response.StatusCode = 422;
                ctx.Response.ContentType = "application/problem+json";
                await ctx.Response.WriteAsync(new JsonObject { ["detail"] = echo }.ToJsonString());
            }
        });

        await using var issuer = await TestIssuer.StartAsync();
        // A proxy in front of the harness's Jira answers the calls naming ERR-<n> itself (the failure modes above); the rest
        // (permission checks, the field list) go on to the harness's Jira. Fewer Jira retries keep the 401s and 429s short.
        var settings = new Dictionary<string, string?>(BackendHost.FrameworkTrace)
        {
            ["Jira:ApiBaseUrlOverride"] = jiraProxy.Address.ToString(), ["Jira:MaxAuthAttempts"] = "1", ["Jira:MaxAttempts"] = "2",
        };
        await using var backend = await BackendHost.StartAsync(issuer, settings);
        jiraTarget = backend.Jira.Address;
        var tenant = Samples.NewTenant();
        var responses = new List<string>();

        async Task<JsonNode> Json(HttpMethod method, string path, object? body = null, int expected = 200)
        {
            var node = await backend.JsonAsync(method, path, tenant, body, expected);
            responses.Add(node.ToJsonString());
            return node;
        }

        async Task<string> Connection(string name, Uri baseUrl, JsonObject auth, string secret)
        {
            var conn = new JsonObject
            {
                ["name"] = name + Guid.NewGuid().ToString("N")[..6], ["baseUrl"] = baseUrl.ToString(), ["auth"] = auth, ["secret"] = secret,
                ["resilience"] = new JsonObject { ["maxRetries"] = 1, ["retryDelayMs"] = 0, ["breakerMinimumThroughput"] = 1000 },
            };
            return (await Json(HttpMethod.Post, "/api/connections", conn, 201))["id"]!.GetValue<string>();
        }

        const string S = "{{ issue.fields.summary }}";
        var https = new UriBuilder(tp.Address) { Scheme = "https" }.Uri;
        JsonObject QueryKey() => new() { ["type"] = "apiKey", ["in"] = "query", ["name"] = "api_key" };
        var httpSteps = new JsonArray();
        foreach (var (id, path, method) in new[]
        {
            ("h401", "/h401/" + S, "POST"), ("loop", "/loop/" + S, "GET"), ("big", "/big/" + S, "GET"), ("h300", "/h300/" + S, "GET"),
            ("charset", "/charset/" + S, "GET"), ("textcharset", "/textcharset/" + S, "GET"), ("cross", "/cross/" + S, "POST"),
            ("abort", "/abort/" + S, "GET"), ("badjson", "/badjson/" + S, "GET"), ("e422", "/e422/" + S, "POST"),
        })
        {
            var connection = await Connection(id, new Uri(tp.Address, "/api"), QueryKey(), c["qsecret"]);
            var step = new JsonObject
            {
                ["id"] = id, ["type"] = "http", ["connection"] = connection, ["method"] = method, ["path"] = path,
                ["query"] = new JsonObject { ["q"] = S, ["c"] = "{{ comment.body }}" }, ["headers"] = new JsonObject { ["X-S"] = S },
                ["onError"] = "continue",
            };
            if (method != "GET")
            {
                step["body"] = new JsonObject { ["s"] = S, ["c"] = "{{ comment.body }}" };
            }

            httpSteps.Add(step);
        }

        var tls = await Connection("tls", new Uri(https, "/api"), new JsonObject { ["type"] = "bearer" }, c["secret"]);
        httpSteps.Add(new JsonObject { ["id"] = "tls", ["type"] = "http", ["connection"] = tls, ["method"] = "GET", ["path"] = "/tls/" + S, ["query"] = new JsonObject { ["q"] = S }, ["onError"] = "continue" });
        httpSteps.Add(new JsonObject { ["id"] = "tlsurl", ["type"] = "http", ["method"] = "GET", ["url"] = https + "tls?api_key=" + c["qsecret"] + "&q=" + S, ["onError"] = "continue" });
        httpSteps.Add(new JsonObject { ["id"] = "dnsurl", ["type"] = "http", ["method"] = "GET", ["url"] = "http://nowhere.invalid/x?api_key=" + c["qsecret"] + "&q=" + S, ["onError"] = "continue" });
        httpSteps.Add(new JsonObject { ["id"] = "tpl1", ["type"] = "http", ["method"] = "POST", ["url"] = tp.Address + "e422", ["body"] = new JsonObject { ["d"] = "{{ issue.fields.summary | date: issue.fields.summary }}", ["n"] = "{{ issue.fields.summary | times: 2 }}" }, ["onError"] = "continue" });
        httpSteps.Add(new JsonObject { ["id"] = "tpl2", ["type"] = "http", ["method"] = "POST", ["url"] = tp.Address + "e422", ["body"] = new JsonObject { ["d"] = "{{ issue.fields.summary | slice: issue.fields.summary }}", ["j"] = "{{ issue.fields.summary | round: issue.fields.summary }}" }, ["onError"] = "continue" });

        var ruleIds = new List<string>();
        async Task Rule(string name, JsonArray steps, JsonObject? conditions = null, string evt = "avi:jira:commented:issue")
        {
            var rule = new JsonObject
            {
                ["name"] = name,
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray(evt) },
                ["steps"] = steps,
            };
            if (conditions is not null)
            {
                rule["conditions"] = conditions;
            }

            using var saved = await backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
            var text = await saved.Content.ReadAsStringAsync();
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Created), name + ": " + text);
            ruleIds.Add(JsonNode.Parse(text)!["id"]!.GetValue<string>());
        }

        await Rule("http probe", httpSteps);
        for (var mode = 1; mode <= 9; mode++)
        {
            var key = "ERR-" + mode;
            await Rule("jira probe " + mode, new JsonArray(
                new JsonObject { ["id"] = "comment", ["type"] = "jira.comment", ["issue"] = key, ["body"] = S + " {{ comment.body }}", ["onError"] = "continue" },
                new JsonObject { ["id"] = "edit", ["type"] = "jira.edit", ["issue"] = key, ["fields"] = new JsonObject { ["summary"] = S, ["labels"] = new JsonArray("x") }, ["onError"] = "continue" },
                new JsonObject { ["id"] = "tname", ["type"] = "jira.transition", ["issue"] = key, ["transition"] = "Done", ["onError"] = "continue" },
                new JsonObject { ["id"] = "tid", ["type"] = "jira.transition", ["issue"] = key, ["transitionId"] = "31", ["onError"] = "continue" },
                new JsonObject { ["id"] = "assign", ["type"] = "jira.assign", ["issue"] = key, ["assignee"] = "5b10ac8d82e05b22cc7d4ef5", ["onError"] = "continue" },
                new JsonObject { ["id"] = "fetch", ["type"] = "jira.fetch", ["issue"] = key, ["onError"] = "continue" },
                new JsonObject { ["id"] = "create", ["type"] = "jira.create", ["project"] = "OPS", ["issueType"] = "Task", ["fields"] = new JsonObject { ["summary"] = key + " " + S }, ["onError"] = "continue" },
                new JsonObject { ["id"] = "link", ["type"] = "jira.link", ["linkType"] = "Blocks", ["outwardIssue"] = key, ["onError"] = "continue" },
                new JsonObject { ["id"] = "search", ["type"] = "jira.search", ["jql"] = "key = " + key + " AND summary ~ \"" + S + "\"", ["onError"] = "continue" },
                new JsonObject { ["id"] = "after", ["type"] = "jira.comment", ["issue"] = key, ["body"] = "{{ steps.fetch.issue.fields.summary }} {{ steps.search.issues[0].fields.summary }}", ["onError"] = "continue" }));
        }

        await Rule("condition probe", new JsonArray(new JsonObject { ["id"] = "never", ["type"] = "jira.comment", ["body"] = "x" }), new JsonObject
        {
            ["all"] = new JsonArray(
                new JsonObject { ["field"] = "comment.body", ["op"] = "matches", ["value"] = "^nomatch" },
                new JsonObject { ["field"] = "issue.fields.summary", ["op"] = "greaterThan", ["value"] = 3 }),
        });

        backend.Jira.SystemToken = c["system"];
        var evt = Samples.Event("OPS-66", c["summary"], "avi:jira:commented:issue");
        evt["comment"] = new JsonObject { ["id"] = "10500", ["body"] = "Comment " + c["comment"], ["author"] = new JsonObject { ["accountId"] = "5b10ac8d82e05b22cc7d4ef5" } };
        evt["changelog"]!["items"]![0]!["toString"] = c["changelog"];
        var fit = issuer.Mint(TestIssuer.ForRoute("/forge/events", tenant), now: DateTimeOffset.UtcNow);
        c["fit"] = fit.Split('.')[2];
        using (var accepted = await backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", fit, evt, withUserToken: false, systemToken: c["system"]))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        }

        var runs = await Waits.UntilAsync(
            () => backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant),
            r => r["items"]!.AsArray().Count >= ruleIds.Count - 1 && r["items"]!.AsArray().All(x => x!["status"]!.GetValue<string>() is not ("queued" or "running")),
            TimeSpan.FromMinutes(4));
        responses.Add(runs.ToJsonString());
        var categories = new List<string>();
        foreach (var run in runs["items"]!.AsArray())
        {
            var detail = await Json(HttpMethod.Get, "/api/runs/" + run!["id"]!.GetValue<string>());
            categories.AddRange(detail["steps"]!.AsArray().Select(s => $"{run["ruleId"]} {s!["id"]} {s["status"]} {s["errorCategory"]} {s["statusCode"]}"));
        }

        foreach (var id in ruleIds)
        {
            await Json(HttpMethod.Get, $"/api/rules/{id}/trace");
        }

        await Json(HttpMethod.Get, FakeJira.RunsPath("OPS-66"));
        TestContext.Out.WriteLine(string.Join("\n", categories));
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(ruleIds.Count - 1), "each rule ran once; the condition stopped its rule");
        Assert.That(categories, Has.Some.Contains(" h401 failed http_4xx").And.Some.Contains(" loop failed too_many_redirects")
            .And.Some.Contains(" big failed response_too_large").And.Some.Contains(" cross failed redirect_refused")
            .And.Some.Contains(" tls failed connection_failed").And.Some.Contains(" dnsurl failed connection_failed")
            .And.Some.Contains(" tpl2 failed template_error").And.Some.Contains(" comment failed rate_limited")
            .And.Some.Contains(" edit failed http_5xx").And.Some.Contains(" fetch failed refused")
            .And.Some.Contains(" create failed unexpected_status").And.Some.Contains(" search succeeded"), "every failure path was driven");
        Assert.That(jiraTokens, Has.Some.EqualTo("Bearer " + c["system"]), "control: the Jira steps sent the system token, which the answers echo");

        // The literal URL's API key is the rule's own configuration: kept in its versions, and nowhere else.
        var items = await backend.DumpStoreAsync();
        var store = string.Join('\n', items.Where(i => !i.Contains(" RULEV#", StringComparison.Ordinal)));
        Assert.That(string.Join('\n', items), Does.Contain(c["qsecret"]), "control: the rule's version holds its URL");
        var files = backend.DumpDataDirectory();
        var logs = backend.Logs.AllText;
        var api = string.Join('\n', responses);
        foreach (var line in backend.Logs.Lines.Where(l => c.Values.Any(v => l.Contains(v, StringComparison.OrdinalIgnoreCase))).Take(40))
        {
            TestContext.Out.WriteLine("LEAK: " + (line.Length > 900 ? line[..900] : line));
        }

        Assert.Multiple(() =>
        {
            foreach (var (what, canary) in c)
            {
                foreach (var form in new[] { canary, Uri.EscapeDataString(canary), Convert.ToBase64String(Encoding.UTF8.GetBytes(canary)) })
                {
                    Assert.That(logs, Does.Not.Contain(form).IgnoreCase, "logs: " + what);
                    Assert.That(store, Does.Not.Contain(form).IgnoreCase, "store: " + what);
                    Assert.That(api, Does.Not.Contain(form).IgnoreCase, "API: " + what);
                    if (what != "qsecret")
                    {
                        // The data files hold the rule's versions too (the URL's key, configuration); its items are checked above.
                        Assert.That(files, Does.Not.Contain(form).IgnoreCase, "files: " + what);
                    }
                }
            }
        });
    }
}
