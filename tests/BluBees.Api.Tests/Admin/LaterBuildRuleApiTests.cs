using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// The admin's rule routes after a rollback, on Kestrel over real SQLite: a rule whose stored summary (head) or current
/// version a later build wrote with a member this build does not know. Before, the strict read threw and the rule list
/// (<c>GET /api/rules</c>), the rule (<c>GET /api/rules/{id}</c>), its save, delete, versions, trace, toggles and dry
/// run answered 500 (and the list, the create and every name check failed for all of the tenant's rules). Now the list
/// lists every rule and marks that one (<c>savedByNewerVersion</c>), opening it is a 409 that says what to do and never
/// the stored document, and saving it again makes it run again.
/// </summary>
public sealed class LaterBuildRuleApiTests : BackendFixture
{
    [Test]
    public async Task A_rule_summary_a_later_build_wrote_is_listed_marked_opening_it_is_a_409_and_saving_it_again_makes_it_run()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = (await CreateRuleAsync(tenant, Samples.Rule(connection, "stale")))["id"]!.GetValue<string>();
        var fresh = (await CreateRuleAsync(tenant, Samples.Rule(connection, "fresh")))["id"]!.GetValue<string>();
        var marker = await RewriteAsync(tenant, Keys.Rule(stale));

        var list = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        using var get = await Backend.SendAsync(HttpMethod.Get, "/api/rules/" + stale, tenant);
        var problem = await ProblemAsync(get);
        Assert.Multiple(() =>
        {
            Assert.That(list.Select(r => (r!["id"]!.GetValue<string>(), r["name"]!.GetValue<string>(), r["savedByNewerVersion"]!.GetValue<bool>())),
                Is.EqualTo(new[] { (fresh, "fresh", false), (stale, "stale", true) }), "every rule listed; the later build's one marked");
            Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(problem["reason"]?.GetValue<string>(), Is.EqualTo("saved_by_newer_version"));
            Assert.That(problem["detail"]?.GetValue<string>(), Does.Contain("saved again"));
            Assert.That(problem.ToJsonString(), Does.Not.Contain(marker), "never the stored document");
        });

        using (var saved = await Backend.SendAsync(HttpMethod.Put, "/api/rules/" + stale, tenant, Samples.Rule(connection, "stale")))
        {
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await saved.Content.ReadAsStringAsync());
        }

        using (var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "Reaches both rules")))
        {
            Assert.That((int)response.StatusCode, Is.LessThan(300));
        }

        var runs = (await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2))["items"]!.AsArray();
        var after = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        var rule = await Backend.JsonAsync(HttpMethod.Get, "/api/rules/" + stale, tenant);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r!["ruleId"]!.GetValue<string>(), r["status"]!.GetValue<string>())).Order(),
                Is.EqualTo(new[] { (fresh, "succeeded"), (stale, "succeeded") }.Order()), "saved again, it runs again");
            Assert.That(after.Select(r => r!["savedByNewerVersion"]!.GetValue<bool>()), Is.EqualTo(new[] { false, false }));
            Assert.That(rule["version"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(Backend.Logs.AllText, Does.Not.Contain(marker), "never the stored content");
        });
    }

    [Test]
    public async Task Every_other_route_of_a_rule_whose_summary_a_later_build_wrote_answers_without_a_500()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = (await CreateRuleAsync(tenant, Samples.Rule(connection, "stale")))["id"]!.GetValue<string>();
        await RewriteAsync(tenant, Keys.Rule(stale));

        var codes = new Dictionary<string, HttpStatusCode>();
        async Task SendAsync(string name, HttpMethod method, string path, object? body = null)
        {
            using var response = await Backend.SendAsync(method, path, tenant, body);
            codes[name] = response.StatusCode;
            if (name is "disable" or "dry run" or "manual run")
            {
                Assert.That((await ProblemAsync(response))["reason"]?.GetValue<string>(), Is.EqualTo("saved_by_newer_version"), name);
            }
        }

        await SendAsync("versions", HttpMethod.Get, $"/api/rules/{stale}/versions");
        await SendAsync("version 1", HttpMethod.Get, $"/api/rules/{stale}/versions/1");
        await SendAsync("trace", HttpMethod.Get, $"/api/rules/{stale}/trace");
        await SendAsync("disable", HttpMethod.Post, $"/api/rules/{stale}/disable");
        await SendAsync("dry run", HttpMethod.Post, $"/api/rules/{stale}/dry-run", new JsonObject { ["event"] = Samples.Event("OPS-8", "Dry run") });
        await SendAsync("manual run", HttpMethod.Post, $"/api/rules/{stale}/run", new JsonObject { ["issueKey"] = "OPS-9" });
        await SendAsync("create another", HttpMethod.Post, "/api/rules", Samples.Rule(connection, "another"));
        await SendAsync("create one of its name", HttpMethod.Post, "/api/rules", Samples.Rule(connection, "stale"));
        await SendAsync("delete connection", HttpMethod.Delete, "/api/connections/" + connection);
        await SendAsync("delete", HttpMethod.Delete, "/api/rules/" + stale);
        Assert.That(codes, Is.EqualTo(new Dictionary<string, HttpStatusCode>
        {
            ["versions"] = HttpStatusCode.OK,
            ["version 1"] = HttpStatusCode.OK,
            ["trace"] = HttpStatusCode.OK,
            ["disable"] = HttpStatusCode.Conflict,
            ["dry run"] = HttpStatusCode.Conflict,
            ["manual run"] = HttpStatusCode.Conflict,
            ["create another"] = HttpStatusCode.Created,
            ["create one of its name"] = HttpStatusCode.Conflict,
            ["delete connection"] = HttpStatusCode.Conflict,
            ["delete"] = HttpStatusCode.NoContent,
        }));
    }

    [Test]
    public async Task A_current_version_a_later_build_wrote_is_listed_marked_opening_or_restoring_it_is_a_409_and_saving_it_again_makes_it_run()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = (await CreateRuleAsync(tenant, Samples.Rule(connection, "stale")))["id"]!.GetValue<string>();
        var marker = await RewriteAsync(tenant, Keys.RuleVersion(stale, 1));

        var list = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        var codes = new List<(HttpStatusCode, string?)>();
        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/api/rules/{stale}"), (HttpMethod.Get, $"/api/rules/{stale}/versions/1"), (HttpMethod.Post, $"/api/rules/{stale}/versions/1/restore"), (HttpMethod.Post, $"/api/rules/{stale}/enable") })
        {
            using var response = await Backend.SendAsync(method, path, tenant);
            var problem = await ProblemAsync(response);
            Assert.That(problem.ToJsonString(), Does.Not.Contain(marker), path);
            codes.Add((response.StatusCode, problem["reason"]?.GetValue<string>()));
        }

        Assert.Multiple(() =>
        {
            Assert.That(list.Select(r => r!["savedByNewerVersion"]!.GetValue<bool>()), Is.EqualTo(new[] { true }));
            Assert.That(codes, Is.EqualTo(Enumerable.Repeat((HttpStatusCode.Conflict, (string?)"saved_by_newer_version"), 4)));
        });

        using (var saved = await Backend.SendAsync(HttpMethod.Put, "/api/rules/" + stale, tenant, Samples.Rule(connection, "stale")))
        {
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await saved.Content.ReadAsStringAsync());
        }

        using (var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-9", "Reaches it")))
        {
            Assert.That((int)response.StatusCode, Is.LessThan(300));
        }

        var runs = (await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1))["items"]!.AsArray();
        var after = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r!["ruleId"]!.GetValue<string>(), r["status"]!.GetValue<string>())), Is.EqualTo(new[] { (stale, "succeeded") }), "saved again, it runs again");
            Assert.That(after.Select(r => r!["savedByNewerVersion"]!.GetValue<bool>()), Is.EqualTo(new[] { false }));
        });
    }

    /// <summary>
    /// A value this build does not know (a later build's trigger type, in the summary and the version): the stored
    /// document reads (the rule's strings are not closed enums), so the rule is shown and can be opened and saved; it
    /// does not compile here, so it does not run (each event that reaches it is a <c>rule_invalid</c> run). No route answers 500.
    /// </summary>
    [Test]
    public async Task A_trigger_type_a_later_build_added_is_shown_and_saved_again_without_a_500()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = (await CreateRuleAsync(tenant, Samples.Rule(connection, "stale")))["id"]!.GetValue<string>();
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        foreach (var sk in new[] { Keys.Rule(stale), Keys.RuleVersion(stale, 1) })
        {
            var item = await partition.GetAsync(sk, CancellationToken.None);
            var data = item!.Data.Replace("\"triggerType\":\"event\"", "\"triggerType\":\"laterKind\"", StringComparison.Ordinal)
                .Replace("\"type\":\"event\"", "\"type\":\"laterKind\"", StringComparison.Ordinal);
            Assert.That(data, Is.Not.EqualTo(item.Data), sk);
            await partition.PutAsync(sk, data, CancellationToken.None);
        }

        Backend.Services.GetRequiredService<RuleCache>().Clear();
        var codes = new List<int>();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/rules"), (HttpMethod.Get, $"/api/rules/{stale}"), (HttpMethod.Get, $"/api/rules/{stale}/versions/1"),
            (HttpMethod.Post, $"/api/rules/{stale}/disable"), (HttpMethod.Get, $"/api/rules/{stale}/trace"),
        })
        {
            using var response = await Backend.SendAsync(method, path, tenant);
            codes.Add((int)response.StatusCode);
        }

        using (var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-11", "Reaches nothing runnable")))
        {
            codes.Add((int)response.StatusCode < 500 ? 0 : (int)response.StatusCode);
        }

        using var saved = await Backend.SendAsync(HttpMethod.Put, "/api/rules/" + stale, tenant, Samples.Rule(connection, "stale"));
        Assert.Multiple(() =>
        {
            Assert.That(codes, Is.EqualTo(new[] { 200, 200, 200, 200, 200, 0 }));
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    /// <summary>Rewrites a stored rule item as a later build would have (a member this build does not know); returns the member's name.</summary>
    private async Task<string> RewriteAsync(string tenant, string sk)
    {
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var item = await partition.GetAsync(sk, CancellationToken.None);
        var marker = Samples.Canary("laterbuild");
        await partition.PutAsync(item!.Sk, item.Data.Replace("\"name\":", $"\"{marker}\":true,\"name\":", StringComparison.Ordinal), CancellationToken.None);
        Backend.Services.GetRequiredService<RuleCache>().Clear(); // as after a restart onto this build
        return marker;
    }
}
