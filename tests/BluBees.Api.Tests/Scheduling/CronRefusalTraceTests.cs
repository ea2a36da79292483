using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// "Why didn't it run?" for a cron schedule with a JQL: when Jira refuses the search (400 for the JQL, 401 for the app's
/// token) or the scheduled trigger brought no app token, nothing fires and the rule's trace says why, with a reason
/// from a closed list and never Jira's text. A passing failure (429, 5xx) leaves no entry: the next tick gets past it.
/// </summary>
public sealed class CronRefusalTraceTests : CronTickHarness
{
    private const string SystemToken = "sys-refusal-token";

    [SetUp]
    public void ResetJira()
    {
        Backend.Jira.SystemToken = SystemToken;
        Backend.Jira.SearchStatus = null;
        Backend.Jira.SearchIssues.Clear();
        Backend.Jira.SearchIssues.Add(("2001", "OPS-1"));
    }

    [TestCase(400, SystemToken, "jql_rejected")]
    [TestCase(null, "a-token-Jira-refuses", "system_token_refused")]
    [TestCase(null, null, "system_token_missing")]
    public async Task A_refused_search_is_traced_for_the_rule(int? status, string? token, string reason)
    {
        var (tenant, ruleId, clock) = await NewRuleAsync();
        Backend.Jira.SearchStatus = status;
        var queue = new RecordingQueue();

        var fired = await Runner(clock, queue).FireDueAsync(new TenantContext(tenant, null, null), token, CancellationToken.None);
        Assert.That(fired.Queued, Is.Zero);
        clock.Advance(TimeSpan.FromMinutes(5)); // the next tick fails the same way: still one entry, the newest
        await Runner(clock, queue).FireDueAsync(new TenantContext(tenant, null, null), token, CancellationToken.None);

        var trace = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", tenant);
        var items = trace["items"]!.AsArray();
        Assert.That(items, Has.Count.EqualTo(1), trace.ToJsonString());
        var entry = items[0]!;
        Assert.Multiple(() =>
        {
            Assert.That(entry["stage"]!.GetValue<string>(), Is.EqualTo("schedule"));
            Assert.That(entry["path"]!.GetValue<string>(), Is.EqualTo("trigger.schedule.jql"));
            Assert.That(entry["operator"]!.GetValue<string>(), Is.EqualTo(reason));
            Assert.That(entry["source"]!.GetValue<string>(), Is.EqualTo("schedule"));
            Assert.That(DateTimeOffset.Parse(entry["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(clock.GetUtcNow()));
            Assert.That(trace.ToJsonString(), Does.Not.Contain("Error in the JQL").And.Not.Contain("project = OPS").And.Not.Contain("Unauthorized"));
            Assert.That(queue.Messages, Is.Empty);
        });
    }

    [TestCase(429)]
    [TestCase(503)]
    public async Task A_passing_failure_leaves_no_trace_entry(int status)
    {
        var (tenant, ruleId, clock) = await NewRuleAsync();
        Backend.Jira.SearchStatus = status;

        Assert.That((await Runner(clock, new RecordingQueue()).FireDueAsync(new TenantContext(tenant, null, null), SystemToken, CancellationToken.None)).Queued, Is.Zero);
        var trace = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", tenant);
        Assert.That(trace["items"]!.AsArray(), Is.Empty);
    }

    private async Task<(string Tenant, string RuleId, FakeTimeProvider Clock)> NewRuleAsync()
    {
        var tenant = Samples.NewTenant();
        var ruleId = await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *", jql: "project = OPS"), "/refused"));
        var clock = new FakeTimeProvider(Clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(5));
        return (tenant, ruleId, clock);
    }
}
