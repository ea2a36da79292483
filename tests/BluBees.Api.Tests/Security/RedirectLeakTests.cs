using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Regression (adversarial sweep): a connection with its API key in the query, redirected (loop, cross-origin 302, cross-origin 307), the
/// Location values carrying tokens, the foreign host answering 500 with canaries in body and headers.
/// </summary>
[TestFixture]
public sealed class RedirectLeakTests
{
    [Test]
    public async Task Redirect_locations_secrets_and_error_bodies_appear_nowhere_and_no_credential_crosses()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        var secret = Samples.Canary("secret");
        var locLoop = Samples.Canary("locloop");
        var locHop = Samples.Canary("lochop");
        var bodyCanary = Samples.Canary("body");
        var headerCanary = Samples.Canary("hdr");
        var foreign = new ConcurrentQueue<string>();
        await using var other = await LoopbackServer.StartAsync(async ctx =>
        {
            foreign.Enqueue(ctx.Request.Path + ctx.Request.QueryString + " | " + string.Join(";", ctx.Request.Headers.Select(h => h.Key + "=" + h.Value)));
            ctx.Response.StatusCode = 500;
            ctx.Response.Headers["X-Debug"] = headerCanary;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"error\":\"" + bodyCanary + "\"");
        });
        LoopbackServer? origin = null;
        origin = await LoopbackServer.StartAsync(ctx =>
        {
            var path = ctx.Request.Path.Value ?? "";
            if (path.EndsWith("/loop", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = "/api/v2/loop?token=" + locLoop;
            }
            else if (path.EndsWith("/hop", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = new Uri(other.Address, "/land?token=" + locHop).ToString();
            }
            else if (path.EndsWith("/hop307", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 307;
                ctx.Response.Headers.Location = new Uri(other.Address, "/land307?token=" + locHop).ToString();
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }

            return Task.CompletedTask;
        });
        await using var originServer = origin;

        var tenant = Samples.NewTenant();
        var connection = new JsonObject
        {
            ["name"] = "Query key " + Guid.NewGuid().ToString("N")[..6],
            ["baseUrl"] = new Uri(origin.Address, "/api/v2").ToString(),
            ["auth"] = new JsonObject { ["type"] = "apiKey", ["in"] = "query", ["name"] = "api_key" },
            ["secret"] = secret,
        };
        var created = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201);
        var connectionId = created["id"]!.GetValue<string>();
        var rule = Samples.Rule(connectionId);
        rule["steps"] = new JsonArray(
            Step("loop", connectionId, "GET", "/loop"),
            Step("hop307", connectionId, "POST", "/hop307"),
            Step("hop", connectionId, "GET", "/hop"));
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-41", "redirects")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]![0]!;
        var detail = await backend.JsonAsync(HttpMethod.Get, "/api/runs/" + run["id"]!.GetValue<string>(), tenant);
        var categories = run["steps"]!.AsArray().Select(s => s!["errorCategory"]?.GetValue<string>()).ToList();
        var store = string.Join('\n', await backend.DumpStoreAsync());
        var files = backend.DumpDataDirectory();
        var logs = backend.Logs.AllText;
        Assert.Multiple(() =>
        {
            Assert.That(categories[0], Is.EqualTo("too_many_redirects"), "a loop ends with a clear error");
            Assert.That(categories[1], Is.EqualTo("redirect_refused"));
            Assert.That(foreign.Where(r => r.Contains(secret, StringComparison.Ordinal)), Is.Empty, "the query key never reaches another origin");
            Assert.That(foreign.Where(r => r.Contains("land307", StringComparison.Ordinal)), Is.Empty, "a 307 is not followed to another origin");
            foreach (var canary in new[] { secret, locLoop, locHop, bodyCanary, headerCanary })
            {
                Assert.That(logs, Does.Not.Contain(canary), "logs: " + canary);
                Assert.That(store, Does.Not.Contain(canary), "store: " + canary);
                Assert.That(files, Does.Not.Contain(canary), "files: " + canary);
                Assert.That(runs.ToJsonString() + detail.ToJsonString(), Does.Not.Contain(canary), "runs API: " + canary);
            }
        });
    }

    private static JsonObject Step(string id, string connectionId, string method, string path) => new()
    {
        ["id"] = id,
        ["type"] = "http",
        ["connection"] = connectionId,
        ["method"] = method,
        ["path"] = path,
        ["body"] = method == "POST" ? new JsonObject { ["key"] = "{{ issue.key }}" } : null,
        ["onError"] = "continue",
    };
}
