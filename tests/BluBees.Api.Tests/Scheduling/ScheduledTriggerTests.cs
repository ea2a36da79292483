using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// Forge's hourly scheduled trigger runs each enabled schedule rule when its interval is due — tolerating
/// jitter, never twice for one hourly call (retries, concurrent deliveries), and only in the calling tenant.
/// </summary>
public sealed class ScheduledTriggerTests : FakeClockFixture
{
    private static JsonObject Every(int hours) => new() { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = hours } };

    private async Task<int> TriggerAsync(string tenant)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
        return JsonNode.Parse(text)!["queued"]!.GetValue<int>();
    }

    [Test]
    public async Task A_due_rule_runs_once_per_interval_despite_retries_and_jitter()
    {
        var tenant = Samples.NewTenant();
        var path = "/every2h-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Every(2), path));

        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "a new rule is due at the first hourly call");
        var first = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2" + path)), r => r.Count >= 1);
        Assert.That(first, Has.Count.EqualTo(1));
        Assert.That(JsonNode.Parse(first[0].Body)!["source"]!.GetValue<string>(), Is.EqualTo("schedule"));

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(await TriggerAsync(tenant), Is.Zero, "Forge's retry of the same hourly call does not fire again");
        Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.That(await TriggerAsync(tenant), Is.Zero, "one hour later a 2-hour rule is not due");
        Clock.Advance(TimeSpan.FromMinutes(54));
        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1), "an hourly call a few minutes early still counts (jitter)");
        // Let that run finish before moving the fake clock again: its HTTP step's timeout runs on the same clock.
        await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2" + path)), r => r.Count >= 2);
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
        Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.That(await TriggerAsync(tenant), Is.Zero);

        var runs = await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["source"]!.GetValue<string>()), Is.EqualTo(new[] { "schedule", "schedule" }));
        Assert.That(runs["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded", "succeeded" }));
        Assert.That(runs["items"]!.AsArray().Select(r => r!["eventType"]!.GetValue<string>()).Distinct(), Is.EqualTo(new[] { "blubees:schedule" }));
        Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Concurrent_deliveries_of_one_hourly_call_fire_a_rule_once()
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Every(1), "/concurrent"));
        var counts = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => TriggerAsync(tenant)));
        Assert.That(counts.Sum(), Is.EqualTo(1));
    }

    [Test]
    public async Task Only_enabled_schedule_rules_of_the_calling_tenant_run()
    {
        var tenant = Samples.NewTenant();
        var other = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Rule(connection, Every(1), "/due", name: "due"));
        var disabled = Rule(connection, Every(1), "/disabled", name: "disabled");
        disabled["enabled"] = false;
        await CreateRuleAsync(tenant, disabled);
        await CreateRuleAsync(tenant, Rule(connection, new JsonObject { ["type"] = "manual" }, "/manual", name: "manual"));
        await CreateRuleAsync(tenant, Samples.Rule(connection));
        await CreateRuleAsync(other, Rule(await CreateConnectionAsync(other), Every(1), "/other", name: "other"));

        Assert.That(await TriggerAsync(tenant), Is.EqualTo(1));
        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        await SettleAsync();
        var runs = await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/runs", other))["items"]!.AsArray(), Is.Empty, "another tenant's schedule waits for its own trigger");
    }

    [Test]
    public async Task The_scheduled_trigger_needs_a_Forge_token()
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", token: null, "{}", withUserToken: false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await ProblemAsync(response);
    }
}
