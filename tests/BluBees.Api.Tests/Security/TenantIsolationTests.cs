using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Common;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>Tenant A's resources do not exist for tenant B: every route answers 404, and nothing crosses at run time.</summary>
public sealed class TenantIsolationTests : BackendFixture
{
    [Test]
    public async Task Every_resource_route_answers_404_for_another_tenants_ids()
    {
        var a = Samples.NewTenant();
        var b = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(a);
        var ruleId = (await CreateRuleAsync(a, Samples.Rule(connectionId)))["id"]!.GetValue<string>();
        using (var evt = await Backend.SendAsync(HttpMethod.Post, "/forge/events", a, Samples.Event("OPS-501", "Tenant A only")))
        {
            Assert.That(evt.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", a), r => r["items"]!.AsArray().Count > 0);
        var runId = runs["items"]![0]!["id"]!.GetValue<string>();
        var sample = new JsonObject { ["event"] = Samples.Event("OPS-502", "x") };
        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/connections/{connectionId}", null),
            (HttpMethod.Put, $"/api/connections/{connectionId}", Samples.Connection(ThirdParty.Address, "stolen")),
            (HttpMethod.Delete, $"/api/connections/{connectionId}", null),
            (HttpMethod.Get, $"/api/rules/{ruleId}", null),
            (HttpMethod.Put, $"/api/rules/{ruleId}", Samples.Rule("conn_x")),
            (HttpMethod.Delete, $"/api/rules/{ruleId}", null),
            (HttpMethod.Post, $"/api/rules/{ruleId}/enable", null),
            (HttpMethod.Post, $"/api/rules/{ruleId}/disable", null),
            (HttpMethod.Get, $"/api/rules/{ruleId}/versions", null),
            (HttpMethod.Get, $"/api/rules/{ruleId}/versions/1", null),
            (HttpMethod.Post, $"/api/rules/{ruleId}/versions/1/restore", null),
            (HttpMethod.Post, $"/api/rules/{ruleId}/dry-run", sample),
            (HttpMethod.Get, $"/api/runs/{runId}", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var response = await Backend.SendAsync(method, path, b, body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{method} {path}");
        }

        var bRuns = await Backend.JsonAsync(HttpMethod.Get, "/api/runs", b);
        Assert.That(bRuns["items"]!.AsArray(), Is.Empty, "run logs are partitioned by tenant");
        var aRule = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}", a);
        Assert.That(aRule["version"]!.GetValue<int>(), Is.EqualTo(1), "B's attempts changed nothing of A's");
        Assert.That(aRule["enabled"]!.GetValue<bool>(), Is.True);
        using var aConnection = await Backend.SendAsync(HttpMethod.Get, $"/api/connections/{connectionId}", a);
        Assert.That(aConnection.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_rule_naming_another_tenants_connection_is_refused_at_save_time()
    {
        var connectionOfA = await CreateConnectionAsync(Samples.NewTenant());
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", Samples.NewTenant(), Samples.Rule(connectionOfA));
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["steps[0].connection"], Is.Not.Null);
    }

    [Test]
    public async Task A_stored_rule_naming_another_tenants_connection_sends_nothing_at_run_time()
    {
        // Simulates a rule that bypassed save-time validation (e.g. a restored backup): the worker resolves
        // connections in the running tenant's partition only, so the step fails and nothing leaves.
        var a = Samples.NewTenant();
        var b = Samples.NewTenant();
        var connectionOfA = await CreateConnectionAsync(a, secret: "secret-of-a");
        var store = Backend.Services.GetRequiredService<IStore>();
        var definition = System.Text.Json.JsonSerializer.Deserialize<RuleDefinition>(Samples.Rule(connectionOfA).ToJsonString(), BluBees.Engine.Json.JsonDefaults.Options)!;
        var now = DateTimeOffset.UtcNow;
        await store.PutAsync(new StoreItem(Keys.Tenant(b), Keys.RuleVersion("rule_smuggled", 1), StoredJson.Write(new RuleVersionRecord(1, definition, now, null))), CancellationToken.None);
        await store.PutAsync(new StoreItem(Keys.Tenant(b), Keys.Rule("rule_smuggled"), StoredJson.Write(new RuleHead("rule_smuggled", "smuggled", true, 1, "event", 0, null, [connectionOfA], now, now))), CancellationToken.None);
        var before = ThirdParty.Received.Count;

        using var evt = await Backend.SendAsync(HttpMethod.Post, "/forge/events", b, Samples.Event("OPS-503", "smuggle"));
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", b), r => r["items"]!.AsArray().Count > 0);

        var step = runs["items"]![0]!["steps"]![0]!;
        Assert.That(step["errorCategory"]!.GetValue<string>(), Is.EqualTo("connection_missing"));
        Assert.That(ThirdParty.Received.Count, Is.EqualTo(before), "no request left");
    }

    [Test]
    public async Task The_same_event_for_two_tenants_is_not_a_duplicate()
    {
        var a = Samples.NewTenant();
        var b = Samples.NewTenant();
        foreach (var tenant in new[] { a, b })
        {
            await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        }

        var evt = Samples.Event("OPS-504", "shared", timestamp: "1700000000123");
        using var first = await Backend.SendAsync(HttpMethod.Post, "/forge/events", a, evt);
        using var second = await Backend.SendAsync(HttpMethod.Post, "/forge/events", b, evt);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "de-duplication keys include the tenant");
        // 202 also answers "queued" (the same event already waiting): the second tenant's event must be its own.
        Assert.That(await second.Content.ReadAsStringAsync(), Does.Contain("\"accepted\""), "not taken for the first tenant's queued event");
    }

    [Test]
    public async Task Compiled_rules_are_cached_per_tenant()
    {
        // Two tenants holding a rule with the same id and version but different steps: each runs its own.
        var a = Samples.NewTenant();
        var b = Samples.NewTenant();
        var store = Backend.Services.GetRequiredService<IStore>();
        var now = DateTimeOffset.UtcNow;
        foreach (var (tenant, path) in new[] { (a, "/from-a/{{ issue.key }}"), (b, "/from-b/{{ issue.key }}") })
        {
            var connection = await CreateConnectionAsync(tenant);
            var rule = Samples.Rule(connection);
            rule["steps"]![0]!["path"] = path;
            var definition = System.Text.Json.JsonSerializer.Deserialize<RuleDefinition>(rule.ToJsonString(), BluBees.Engine.Json.JsonDefaults.Options)!;
            await store.PutAsync(new StoreItem(Keys.Tenant(tenant), Keys.RuleVersion("rule_twin", 1), StoredJson.Write(new RuleVersionRecord(1, definition, now, null))), CancellationToken.None);
            await store.PutAsync(new StoreItem(Keys.Tenant(tenant), Keys.Rule("rule_twin"), StoredJson.Write(new RuleHead("rule_twin", "twin", true, 1, "event", 0, null, [connection], now, now))), CancellationToken.None);
        }

        var before = ThirdParty.Received.Count; // counted before the send: the run may reach the third party before the 202 is read
        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", a, Samples.Event("OPS-505", "a")))
        {
            await ThirdParty.WaitForAsync(before + 1);
        }

        using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", b, Samples.Event("OPS-506", "b")))
        {
            await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.Contains("OPS-506", StringComparison.Ordinal)));
        }

        Assert.That(ThirdParty.Received.Select(r => r.Path), Has.Some.EqualTo("/api/v2/from-a/OPS-505"));
        Assert.That(ThirdParty.Received.Select(r => r.Path), Has.Some.EqualTo("/api/v2/from-b/OPS-506"));
    }
}
