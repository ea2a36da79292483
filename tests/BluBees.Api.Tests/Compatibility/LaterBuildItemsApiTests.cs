using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Compatibility;

/// <summary>
/// After a rollback, every admin and support route over items a later build wrote, on Kestrel over real SQLite: each
/// kind of stored item the routes read (by its key prefix) is rewritten with a member this build does not know, as a
/// later build would have written it, and then each route is called. None may answer 500 (before, each route that read
/// such an item strictly did), and none may answer with the member a later build wrote.
/// </summary>
public sealed class LaterBuildItemsApiTests : SupportFixture
{
    [TestCase("CONN#")]
    [TestCase("HOOK#")]
    [TestCase("RUN#")]
    [TestCase("IRUNI#")]
    [TestCase("LASTRUN#")]
    [TestCase("TRACE#")]
    [TestCase("RULEVI#")]
    [TestCase("GRANT#")]
    [TestCase("AUDIT#")]
    [TestCase("NAME#")]
    [TestCase("META")]
    public async Task No_admin_or_support_route_answers_500_for_items_a_later_build_wrote(string prefix)
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        using (var miss = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("WEB-3", "Misses the rule")))
        {
            Assert.That((int)miss.StatusCode, Is.LessThan(300));
        }

        var connection = (await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray().Single()!;
        var connectionId = connection["id"]!.GetValue<string>();
        var rule = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var issueRun = await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + runId, tenant);
        var issue = issueRun["issueKey"]!.GetValue<string>();
        var issueId = issueRun["issueId"]!.GetValue<string>();
        var hook = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "hook" }, 201))["id"]!.GetValue<string>();
        var grant = (await GrantAsync(tenant))["id"]!.GetValue<string>();
        using (var read = await SupportGetAsync(RunsPath(tenant)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an audit entry to read");
        }

        var marker = Samples.Canary("laterbuild");
        var rewritten = await RewriteAsync(tenant, prefix, marker);
        Assert.That(rewritten, Is.GreaterThan(0), "items of " + prefix);

        // What each route answers with nothing rewritten, but support staff: a grant this build cannot read grants nothing
        // here (it may narrow access in a way this build does not know), so support's reads are refused (403, audited).
        var routes = new (string Name, int Expected, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("GET rules", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant)),
            ("GET rule", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/rules/" + rule, tenant)),
            ("GET rule versions", 200, () => Backend.SendAsync(HttpMethod.Get, $"/api/rules/{rule}/versions", tenant)),
            ("GET rule trace", 200, () => Backend.SendAsync(HttpMethod.Get, $"/api/rules/{rule}/trace", tenant)),
            ("GET connections", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/connections", tenant)),
            ("GET connection", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/connections/" + connectionId, tenant)),
            ("GET webhooks", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/webhooks", tenant)),
            ("GET webhook", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/webhooks/" + hook, tenant)),
            ("GET runs", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/runs", tenant)),
            ("GET run", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/runs/" + runId, tenant)),
            ("GET issue runs", 200, () => Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue, issueId), tenant)),
            ("GET manual rules", 200, () => Backend.SendAsync(HttpMethod.Get, $"/api/issues/{issue}/manual-rules", tenant)),
            ("GET me", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/me", tenant)),
            ("GET grants", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/support/grants", tenant)),
            ("GET audit", 200, () => Backend.SendAsync(HttpMethod.Get, "/api/support/audit", tenant)),
            ("support GET runs", prefix == "GRANT#" ? 403 : 200, () => SupportGetAsync(RunsPath(tenant))),
            ("support GET run", prefix == "GRANT#" ? 403 : 200, () => SupportGetAsync(RunsPath(tenant, "/" + runId))),
            ("PUT rule (renamed)", 200, () => Backend.SendAsync(HttpMethod.Put, "/api/rules/" + rule, tenant, Samples.Rule(connectionId, "renamed"))),
            ("POST rule", 201, () => Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connectionId, "another"))),
            ("PUT connection", 200, () => Backend.SendAsync(HttpMethod.Put, "/api/connections/" + connectionId, tenant, Samples.Connection(ThirdParty.Address, "t0ken2"))),
            ("POST connection", 201, () => Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "t0ken3"))),
            ("POST webhook rotate", 200, () => Backend.SendAsync(HttpMethod.Post, $"/api/webhooks/{hook}/rotate-secret", tenant)),
            ("POST webhook", 201, () => Backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "another hook" })),
            ("POST grant", 201, () => Backend.SendAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 1, ["reason"] = "INC-2" })),
            ("DELETE grant", 204, () => Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grant, tenant)),
            ("DELETE webhook", 204, () => Backend.SendAsync(HttpMethod.Delete, "/api/webhooks/" + hook, tenant)),
            ("DELETE connection (used)", 409, () => Backend.SendAsync(HttpMethod.Delete, "/api/connections/" + connectionId, tenant)),
            ("DELETE rule", 204, () => Backend.SendAsync(HttpMethod.Delete, "/api/rules/" + rule, tenant)),
        };

        var failed = new List<string>();
        foreach (var (name, expected, send) in routes)
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != expected || body.Contains(marker, StringComparison.Ordinal))
            {
                failed.Add($"{name}: {(int)response.StatusCode}, not {expected}{(body.Contains(marker, StringComparison.Ordinal) ? " (with the later build's member)" : "")}");
            }
        }

        Assert.That(failed, Is.Empty);
    }

    /// <summary>
    /// Support's denials of a tenant whose denial group and entry a later build wrote (a rollback): the strict reads made
    /// each denial a 500 and left it unaudited. Now each is a 403, audited: counted on the group's entry no more (this
    /// build would drop what it does not know of it), but in an entry of its own.
    /// </summary>
    [Test]
    public async Task Support_denials_after_a_later_build_opened_the_denial_group_are_403_and_audited()
    {
        var tenant = Samples.NewTenant();
        var grant = (await GrantAsync(tenant))["id"]!.GetValue<string>();
        using (var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grant, tenant))
        {
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var first = await SupportGetAsync(RunsPath(tenant)))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "opens the denial group");
        }

        var marker = Samples.Canary("laterbuild");
        Assert.That(await RewriteAsync(tenant, "AUDIT", marker), Is.EqualTo(2), "the group and its entry");

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var denied = await SupportGetAsync(RunsPath(tenant));
            codes.Add(denied.StatusCode);
        }

        var audit = await AuditAsync(tenant);
        Assert.Multiple(() =>
        {
            Assert.That(codes, Is.EqualTo(new[] { HttpStatusCode.Forbidden, HttpStatusCode.Forbidden }));
            Assert.That(audit.Sum(e => e!["count"]?.GetValue<int>() ?? 1), Is.EqualTo(3), "every denial audited");
            Assert.That(audit.ToJsonString(), Does.Not.Contain(marker));
        });
    }

    /// <summary>
    /// A connection a later build saved may mean something this build cannot tell (its member could change where or how
    /// the secret is sent): an edit here does not keep its stored secret, and says which field to give again.
    /// </summary>
    [Test]
    public async Task Editing_a_connection_a_later_build_saved_asks_for_its_secret_again()
    {
        var tenant = Samples.NewTenant();
        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "t0ken"), 201);
        var id = created["id"]!.GetValue<string>();
        var marker = Samples.Canary("laterbuild");
        await RewriteAsync(tenant, "CONN#", marker);

        var edit = Samples.Connection(ThirdParty.Address, "unused");
        edit.Remove("secret");
        using var withoutSecret = await Backend.SendAsync(HttpMethod.Put, "/api/connections/" + id, tenant, edit);
        var problem = JsonNode.Parse(await withoutSecret.Content.ReadAsStringAsync())!;
        edit["secret"] = "t0ken2";
        using var withSecret = await Backend.SendAsync(HttpMethod.Put, "/api/connections/" + id, tenant, edit);
        var view = await Backend.JsonAsync(HttpMethod.Get, "/api/connections/" + id, tenant);
        Assert.Multiple(() =>
        {
            Assert.That(withoutSecret.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem["errors"]?["secret"], Is.Not.Null, "names the field to give again");
            Assert.That(withSecret.StatusCode, Is.EqualTo(HttpStatusCode.OK), "saved again with its secret");
            Assert.That(view["secretSet"]?.GetValue<bool>(), Is.True);
            Assert.That(view.ToJsonString(), Does.Not.Contain(marker));
        });
    }

    /// <summary>Rewrites every stored item under the prefix as a later build would have (a member this build does not know).</summary>
    private async Task<int> RewriteAsync(string tenant, string prefix, string marker)
    {
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var page = await partition.QueryAsync(new TenantQuery(prefix) { Limit = 1000 }, CancellationToken.None);
        foreach (var item in page.Items.Where(i => i.Data.StartsWith('{')))
        {
            await partition.PutAsync(item.Sk, "{\"" + marker + "\":true," + item.Data[1..], CancellationToken.None);
        }

        Backend.Services.GetRequiredService<RuleCache>().Clear(); // as after a restart onto this build
        return page.Items.Count;
    }
}
