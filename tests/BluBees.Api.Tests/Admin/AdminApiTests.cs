using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>The admin API as the Forge UI and the CLI use it.</summary>
public sealed class AdminApiTests : BackendFixture
{
    [Test]
    public async Task Secrets_are_write_only_and_kept_on_update_until_replaced()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var created = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, secret), 201);
        var id = created["id"]!.GetValue<string>();
        Assert.That(created["secretSet"]!.GetValue<bool>(), Is.True);
        Assert.That(created.ToJsonString(), Does.Not.Contain(secret));

        var update = Samples.Connection(ThirdParty.Address, secret);
        update.Remove("secret");
        update["name"] = "Renamed";
        var updated = await Backend.JsonAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, update);
        Assert.That(updated["name"]!.GetValue<string>(), Is.EqualTo("Renamed"));
        Assert.That(updated["secretSet"]!.GetValue<bool>(), Is.True, "omitting the secret keeps it");
        foreach (var read in new[] { $"/api/connections/{id}", "/api/connections" })
        {
            Assert.That((await Backend.JsonAsync(HttpMethod.Get, read, tenant)).ToJsonString(), Does.Not.Contain(secret));
        }

        // The kept secret is still the one used; a replaced one takes over.
        await CreateRuleAsync(tenant, Samples.Rule(id));
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-301", "kept")))
        {
            var got = await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-301", StringComparison.Ordinal)));
            Assert.That(got.Single(x => x.Path.EndsWith("/OPS-301", StringComparison.Ordinal)).Headers["Authorization"], Is.EqualTo("Bearer " + secret));
        }

        update["secret"] = "replaced-" + secret;
        await Backend.JsonAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, update);
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-302", "replaced")))
        {
            var got = await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-302", StringComparison.Ordinal)));
            Assert.That(got.Single(x => x.Path.EndsWith("/OPS-302", StringComparison.Ordinal)).Headers["Authorization"], Is.EqualTo("Bearer replaced-" + secret));
        }
    }

    [Test]
    public async Task A_connection_in_use_cannot_be_deleted_and_says_by_whom()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var rule = await CreateRuleAsync(tenant, Samples.Rule(connection, "Uses it"));
        using var refused = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connection}", tenant);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await ProblemAsync(refused);
        Assert.That(problem["usedBy"]![0]!["name"]!.GetValue<string>(), Is.EqualTo("Uses it"));

        using var deleteRule = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{rule["id"]}", tenant);
        using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connection}", tenant);
        Assert.That(deleteRule.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Every_save_creates_an_immutable_version_and_restore_creates_a_new_one()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var v1 = await CreateRuleAsync(tenant, Samples.Rule(connection, "First"));
        var id = v1["id"]!.GetValue<string>();
        var v2 = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, "Second"));
        Assert.That(v2["version"]!.GetValue<int>(), Is.EqualTo(2));

        var versions = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant);
        Assert.That(versions["items"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()), Is.EqualTo(new[] { 2, 1 }));
        var first = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions/1", tenant);
        Assert.That(first["definition"]!["name"]!.GetValue<string>(), Is.EqualTo("First"));

        var restored = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/versions/1/restore", tenant);
        Assert.That(restored["version"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(restored["definition"]!["name"]!.GetValue<string>(), Is.EqualTo("First"));
        var second = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions/2", tenant);
        Assert.That(second["definition"]!["name"]!.GetValue<string>(), Is.EqualTo("Second"), "old versions never change");

        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-303", "versioned")))
        {
            var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
            Assert.That(runs["items"]![0]!["ruleVersion"]!.GetValue<int>(), Is.EqualTo(3), "a run records the version it used");
        }
    }

    [Test]
    public async Task A_disabled_rule_does_not_run_and_enabling_it_again_does()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection)))["id"]!.GetValue<string>();
        // A second, always-enabled rule marks when an event has been processed: the rule list (with enabled
        // flags) is read before any rule of a message runs, so once its run exists the first rule was judged.
        var marker = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Marker")))["id"]!.GetValue<string>();
        var disabled = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/disable", tenant);
        Assert.That(disabled["enabled"]!.GetValue<bool>(), Is.False);
        Assert.That(disabled["version"]!.GetValue<int>(), Is.EqualTo(1), "enable/disable is not a new version");
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-304", "disabled"))) { }
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/runs?ruleId={marker}", tenant), r => r["items"]!.AsArray().Count == 1);
        await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/enable", tenant);
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-305", "enabled"))) { }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/runs?ruleId={id}", tenant), r => r["items"]!.AsArray().Count > 0);
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/runs?ruleId={marker}", tenant), r => r["items"]!.AsArray().Count == 2);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["issueKey"]!.GetValue<string>()), Is.EqualTo(new[] { "OPS-305" }));
    }

    [Test]
    public async Task A_dry_run_shows_the_exact_request_with_the_secret_masked_and_sends_nothing()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var connection = await CreateConnectionAsync(tenant, secret);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection)))["id"]!.GetValue<string>();
        var before = ThirdParty.Received.Count;

        var result = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/dry-run", tenant, new JsonObject { ["event"] = Samples.Event("OPS-306", "Dry run") });

        Assert.That(result["matched"]!.GetValue<bool>(), Is.True);
        Assert.That(result["conditions"]!.AsArray().Select(c => c!["passed"]!.GetValue<bool>()), Is.All.True);
        var request = result["requests"]![0]!;
        Assert.That(request["method"]!.GetValue<string>(), Is.EqualTo("POST"));
        Assert.That(request["url"]!.GetValue<string>(), Is.EqualTo(new Uri(ThirdParty.Address, "/api/v2/tickets/OPS-306?source=jira").ToString()));
        Assert.That(request["headers"]!["Authorization"]!.GetValue<string>(), Is.EqualTo("••••••"));
        Assert.That(request["body"]!["points"]!.GetValue<int>(), Is.EqualTo(5));
        Assert.That(result.ToJsonString(), Does.Not.Contain(secret));
        await Task.Delay(200);
        Assert.That(ThirdParty.Received.Count, Is.EqualTo(before), "a dry run sends nothing");
        var runs = await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.That(runs["items"]!.AsArray(), Is.Empty, "a dry run records no run");
    }

    [Test]
    public async Task A_dry_run_explains_why_a_rule_does_not_match()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var low = Samples.Event("WEB-307", "Other project");
        var result = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = Samples.Rule(connection), ["event"] = low });
        Assert.That(result["matched"]!.GetValue<bool>(), Is.False);
        Assert.That(result["trigger"]!["reason"]!.GetValue<string>(), Does.Contain("project"));
    }

    [Test]
    public async Task Runs_can_be_filtered_by_rule_status_and_time()
    {
        var tenant = Samples.NewTenant();
        ThirdParty.Respond = r => r.Path.Contains("/failing/", StringComparison.Ordinal) ? (500, "{}") : (200, """{"ok":true}""");
        var connection = await CreateConnectionAsync(tenant);
        var good = (await CreateRuleAsync(tenant, Samples.Rule(connection, "good")))["id"]!.GetValue<string>();
        var failingRule = Samples.Rule(connection, "failing");
        failingRule["steps"]![0]!["path"] = "/failing/{{ issue.key }}";
        var bad = (await CreateRuleAsync(tenant, failingRule))["id"]!.GetValue<string>();
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-308", "filters"))) { }
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);

        var failed = await Backend.JsonAsync(HttpMethod.Get, "/api/runs?status=failed", tenant);
        var byRule = await Backend.JsonAsync(HttpMethod.Get, $"/api/runs?ruleId={good}", tenant);
        var future = await Backend.JsonAsync(HttpMethod.Get, $"/api/runs?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}", tenant);
        var past = await Backend.JsonAsync(HttpMethod.Get, $"/api/runs?to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"))}", tenant);
        var forIssue = await Backend.JsonAsync(HttpMethod.Get, "/api/issues/OPS-308/runs?issueId=10308", tenant);

        Assert.That(failed["items"]!.AsArray().Select(r => r!["ruleId"]!.GetValue<string>()), Is.EqualTo(new[] { bad }));
        Assert.That(failed["items"]![0]!["steps"]![0]!["errorCategory"]!.GetValue<string>(), Is.EqualTo("http_5xx"));
        Assert.That(byRule["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }));
        Assert.That(future["items"]!.AsArray(), Is.Empty);
        Assert.That(past["items"]!.AsArray(), Is.Empty);
        Assert.That(forIssue["items"]!.AsArray(), Has.Count.EqualTo(2));
        var rules = await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(rules["items"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == bad)!["lastRun"]!["status"]!.GetValue<string>(), Is.EqualTo("failed"));
    }
}
