using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Runs.Trace;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The manual-run endpoint refuses a disabled rule (an administrator's "stop"), so a manual run accepted while the
/// rule was enabled and still queued when it was disabled must not run either: no call to the third party, no run
/// record, and a <c>disabled</c> entry in the rule's trace ("why didn't it run?"), like any other event that reached
/// a disabled rule. Found by an adversarial sweep: the run processor let manual messages skip the enabled check.
/// </summary>
public sealed class DisabledManualRunTests
{
    [Test]
    public async Task A_manual_run_accepted_before_its_rule_was_disabled_does_not_run()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address, new JsonObject { ["type"] = "manual" });
        var rules = kit.Services.GetRequiredService<RuleService>();

        // Accepted while enabled (the worker is busy or restarting: the message waits), then the admin disables the rule.
        var work = new IngressRequest(tenant, RunSource.Manual, kit.ManualEvent("OPS-11")) { RuleId = ruleId };
        Assert.That(await kit.Ingress.SubmitAsync(work, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        Assert.That((await rules.SetEnabledAsync(tenant.Id, ruleId, false, CancellationToken.None)).Value, Is.Not.Null);
        kit.Clock.Advance(TimeSpan.FromSeconds(5));

        await kit.RunQueueUntilEmptyAsync();

        Assert.That(sink.Count("OPS-11"), Is.Zero, "a disabled rule is an admin's stop: the queued manual run must not call the third party");
        Assert.That(await kit.RunsOfAsync(tenant.TenantId), Is.Empty, "a skipped run leaves no run record");
        var trace = await kit.Runs.ListTraceAsync(tenant.Id, ruleId, CancellationToken.None);
        Assert.That(trace.Select(e => (e.Stage, e.Source, e.IssueKey)), Is.EqualTo(new[] { (TraceStages.Disabled, "manual", (string?)"OPS-11") }),
            "the trace says why it did not run");
    }

    [Test]
    public async Task Control_a_queued_manual_run_of_an_enabled_rule_runs()
    {
        await using var sink = await SlowSink.StartAsync();
        // The run reads its issue from Jira as the app before its steps.
        await using var jira = await FakeJira.StartAsync();
        jira.SystemToken = "sys-" + Guid.NewGuid().ToString("N");
        jira.SystemIssues = new() { ["OPS-12"] = FakeJira.Issue("OPS-12", new JsonObject { ["summary"] = "Queued" }) };
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Jira:ApiBaseUrlOverride"] = jira.Address.ToString() });
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address, new JsonObject { ["type"] = "manual" });

        var work = new IngressRequest(tenant, RunSource.Manual, kit.ManualEvent("OPS-12")) { RuleId = ruleId, SystemToken = jira.SystemToken };
        Assert.That(await kit.Ingress.SubmitAsync(work, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        kit.Clock.Advance(TimeSpan.FromSeconds(5));

        await kit.RunQueueUntilEmptyAsync();

        Assert.That(sink.Count("OPS-12"), Is.EqualTo(1));
        Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => r.Status), Is.EqualTo(new[] { RunStatus.Succeeded }));
    }
}
