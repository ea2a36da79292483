using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A queued message that is exhausted (too old after a long stop, or delivered too often) ends as one
/// <c>delivery_exhausted</c> record per rule it targets. A rule disabled or deleted while the message waited is not a
/// target any more: the message's normal run leaves no record for it (docs/architecture.md, step 4), and its
/// exhausted end must not leave one either. Before, the exhausted path fell back to a record for the message's rule
/// (or the rule <c>unknown</c>) whenever no enabled rule was left, so the run log said a disabled or deleted rule
/// was due and never delivered. Messages that do not open still get their one <c>unknown</c> record.
/// </summary>
public sealed class ExhaustedWithoutTargetTests
{
    [TestCase("disabled")]
    [TestCase("deleted")]
    public async Task An_exhausted_manual_run_of_a_rule_disabled_or_deleted_meanwhile_leaves_no_run_record(string change)
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxMessageAgeHours"] = "1" });
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address, new JsonObject { ["type"] = "manual" });
        var rules = kit.Services.GetRequiredService<RuleService>();

        var work = new IngressRequest(tenant, RunSource.Manual, kit.ManualEvent("OPS-41")) { RuleId = ruleId };
        Assert.That(await kit.Ingress.SubmitAsync(work, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        await ChangeAsync(rules, tenant, ruleId, change);
        kit.Clock.Advance(TimeSpan.FromHours(2)); // older than its age limit when the worker comes back

        await kit.RunQueueUntilEmptyAsync();

        Assert.That(sink.Count("OPS-41"), Is.Zero);
        Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => (r.RuleId, r.ErrorCategory)), Is.Empty,
            $"a rule {change} while the run waited is no target: no delivery_exhausted record for it");
    }

    [TestCase("disabled")]
    [TestCase("deleted")]
    public async Task An_exhausted_event_whose_only_rule_was_disabled_or_deleted_meanwhile_leaves_no_unknown_record(string change)
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxMessageAgeHours"] = "1" });
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        var rules = kit.Services.GetRequiredService<RuleService>();

        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-42"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        await ChangeAsync(rules, tenant, ruleId, change);
        kit.Clock.Advance(TimeSpan.FromHours(2));

        await kit.RunQueueUntilEmptyAsync();

        Assert.That(sink.Count("OPS-42"), Is.Zero);
        Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => (r.RuleId, r.ErrorCategory)), Is.Empty,
            "no rule targets the event any more: no record for the rule 'unknown'");
    }

    [Test]
    public async Task Control_an_exhausted_event_of_an_enabled_rule_still_leaves_its_delivery_exhausted_record()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxMessageAgeHours"] = "1" });
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);

        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-43"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        kit.Clock.Advance(TimeSpan.FromHours(2));

        await kit.RunQueueUntilEmptyAsync();

        Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => (r.RuleId, r.ErrorCategory)),
            Is.EqualTo(new[] { (ruleId, (string?)ErrorCategories.DeliveryExhausted) }));
    }

    private static async Task ChangeAsync(RuleService rules, TenantContext tenant, string ruleId, string change)
    {
        if (change == "disabled")
        {
            Assert.That((await rules.SetEnabledAsync(tenant.Id, ruleId, false, CancellationToken.None)).Value, Is.Not.Null);
        }
        else
        {
            Assert.That(await rules.DeleteAsync(tenant.Id, ruleId, CancellationToken.None), Is.True);
        }
    }
}
