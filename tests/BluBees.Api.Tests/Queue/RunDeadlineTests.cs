using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The embedded worker's run deadline (<c>Runs:RunDeadlineSeconds</c>): one message may hold a worker at most that
/// long. Without it a rule whose calls wait on a slow host (up to 300 s each, up to 5,000 step executions a run, every
/// matching rule of the event in turn) held its worker for days while its lease was renewed; with one worker per
/// tenant's share, every other tenant's events waited behind it.
/// </summary>
public sealed class RunDeadlineTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_message_past_the_run_deadline_ends_with_a_record_per_rule_and_frees_its_worker_for_another_tenant()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?>
        {
            ["Runs:WorkerConcurrency"] = "1",
            ["Runs:PerTenantConcurrency"] = "1",
            ["Runs:RunDeadlineSeconds"] = "20",
            // An operator's longer wait for a slow host's answer (at most 10 min); the held call outlives the deadline.
            ["Egress:ResponseHeadersTimeout"] = "00:05:00",
        });
        var noisy = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        // The noisy tenant's calls may wait up to 60 s each (the step's and its connection's choice), past the deadline.
        JsonObject Patient() => new() { ["timeoutSeconds"] = 300, ["attemptTimeoutSeconds"] = 60, ["maxRetries"] = 0 };
        var first = await kit.RuleAsync(noisy, sink.Address, path: "/HANG/a/{{ issue.key }}", resilience: Patient(), timeoutSeconds: 60);
        var second = await kit.RuleAsync(noisy, sink.Address, path: "/HANG/b/{{ issue.key }}", resilience: Patient(), timeoutSeconds: 60);
        await kit.RuleAsync(quiet, sink.Address);
        await kit.Ingress.IngestAsync(noisy, QueueKit.Event("OPS-1"), null, null, CancellationToken.None);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == 1, Generous), Is.EqualTo(1), "the noisy rule's call is held");
            await kit.Ingress.IngestAsync(quiet, QueueKit.Event("OPS-2"), null, null, CancellationToken.None);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(2), "the quiet tenant's event waits: the one worker is the noisy tenant's");

            kit.Clock.Advance(TimeSpan.FromSeconds(21));

            var quietRuns = await Waits.UntilAsync(() => kit.RunsOfAsync(quiet.TenantId), r => r.Count == 1, Generous);
            var noisyRuns = await Waits.UntilAsync(() => kit.RunsOfAsync(noisy.TenantId), r => r.Count == 2, Generous);
            var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
            Assert.Multiple(() =>
            {
                Assert.That(quietRuns.Select(r => r.Status), Is.EqualTo(new[] { RunStatus.Succeeded }), "the quiet tenant's event ran once the deadline freed the worker");
                Assert.That(noisyRuns.Select(r => r.RuleId), Is.EquivalentTo(new[] { first, second }), "one record per rule the event targets, the rule never reached included");
                Assert.That(noisyRuns.Select(r => (r.Status, r.ErrorCategory)), Is.All.EqualTo((RunStatus.Failed, ErrorCategories.RunDeadlineExceeded)));
                Assert.That(depth, Is.Zero, "the message is finished, not given back to run again");
                Assert.That(sink.Count("/HANG/"), Is.EqualTo(1), "the cut rule was not sent again");
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }
    }
}
