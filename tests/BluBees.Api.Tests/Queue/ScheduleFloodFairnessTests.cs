using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Fairness holds whatever the source of a tenant's flood: the existing worker tests flood with Forge events; here one
/// tenant's schedule rule fires many occurrences at once (a catch-up, many schedules due the same minute) into a host
/// that never answers. The quiet tenant's single event is claimed and runs while the flood's backlog still waits: the
/// flood holds its cap of workers (8 of 16), no more. Ordering and admission only; nothing is timed.
/// </summary>
public sealed class ScheduleFloodFairnessTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_tenant_flooding_through_its_schedules_cannot_keep_another_tenants_event_from_running_before_its_backlog_drains()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var noisy = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        var schedule = new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } };
        // Its connection lets many calls wait on the host at once (a tenant's choice), so only the worker share bounds it.
        var ruleId = await kit.RuleAsync(noisy, sink.Address, trigger: schedule, path: "/HANG/occurrence", resilience: new JsonObject { ["maxConcurrency"] = 100 });
        await kit.RuleAsync(quiet, sink.Address);
        var start = kit.Clock.GetUtcNow().AddHours(-40);
        for (var i = 0; i < 30; i++)
        {
            var occurrence = start.AddHours(i);
            var payload = new JsonObject
            {
                ["eventType"] = "blubees:schedule",
                ["timestamp"] = occurrence.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["scheduledAt"] = occurrence.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            };
            var work = new IngressRequest(noisy, RunSource.Schedule, payload) { RuleId = ruleId, DedupKey = $"flood-{i}" };
            Assert.That(await kit.Ingress.SubmitAsync(work, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), $"occurrence {i}");
        }

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == 8, Generous);
            Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(quiet.TenantId), r => r.Count == 1, Generous);
            Assert.Multiple(async () =>
            {
                Assert.That(runs.Single().Status, Is.EqualTo(RunStatus.Succeeded), "the quiet tenant's event ran");
                Assert.That(sink.Count("/HANG/"), Is.EqualTo(8), "the flood held its cap of workers, no more");
                Assert.That(await kit.RunsOfAsync(noisy.TenantId), Is.Empty, "none of the flood's runs has finished");
                Assert.That(
                    await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE tenant = $t AND lease_until IS NULL", ("$t", noisy.TenantId)),
                    Is.EqualTo(22), "the flood's backlog still waits");
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }
    }
}
