using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The host's clock was ahead when the tenant installed (a machine without a battery-backed clock, a VM restored from
/// a snapshot) and has been stepped back since by NTP: the tenant's data key says it was created after the events
/// that now arrive. Each accepted event must still run once and leave its record.
/// </summary>
public sealed class ClockStepBackTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task An_event_received_before_its_tenant_key_creation_time_as_the_clock_now_reads_still_leaves_its_record()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        // The key was created while the clock read ten minutes later than it reads now.
        var ahead = kit.Clock.GetUtcNow().AddMinutes(10).ToString("O");
        Assert.That(await kit.ScalarAsync(
            "UPDATE items SET data = json_set(data, '$.createdAt', $at) WHERE pk = $pk AND sk = 'KEY'; SELECT changes();",
            ("$at", ahead), ("$pk", "T#" + tenant.TenantId)), Is.EqualTo(1));

        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-74"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), d => d == 0, Generous);
        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(depth, Is.Zero);
            Assert.That(sink.Count("OPS-74"), Is.EqualTo(1), "the step ran once");
            Assert.That(runs.Select(r => (r.RuleId, r.Status)), Is.EqualTo(new[] { (ruleId, RunStatus.Succeeded) }), "exactly one record, of the run");
        });
    }
}
