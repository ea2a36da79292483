using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A run whose steps have run but whose record commit the database refuses (disk full, the write lock held past the
/// busy timeout) tries the commit again shortly instead of leaving its lease to expire: before, the message ran again —
/// the third party called once more per failed commit — and after its attempts a run that had succeeded was recorded
/// <c>delivery_exhausted</c>. Real SQLite (a trigger refuses the finish's delete while it exists), real worker, a
/// loopback third party, the fake clock for the waits.
/// </summary>
public sealed class FinishRetryTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_refused_record_commit_is_tried_again_without_running_the_steps_again()
    {
        await using var sink = await SlowSink.StartAsync();
        var logs = new CapturedLogs();
        await using var kit = QueueKit.Create(configure: s => s.AddLogging(l => l.AddProvider(logs)));
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        await kit.ScalarAsync("CREATE TRIGGER fail_finish BEFORE DELETE ON run_queue BEGIN SELECT RAISE(ABORT, 'injected finish fault'); END;");
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-81"), null, null, CancellationToken.None);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-81")), n => n == 1, Generous), Is.EqualTo(1));

            // Two commits refused (the first try and one retry), then the database takes writes again.
            for (var refused = 1; refused <= 2; refused++)
            {
                var count = refused;
                Assert.That(await Waits.UntilAsync(() => Task.FromResult(FinishRetries(logs)), n => n >= count, Generous), Is.GreaterThanOrEqualTo(count), "the commit was refused");
                if (refused == 2)
                {
                    await kit.ScalarAsync("DROP TRIGGER fail_finish;");
                }

                kit.Clock.Advance(TimeSpan.FromSeconds(refused * 1.5)); // past the wait before the next try (1 s, then 2 s)
            }

            Assert.That(await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous), Is.Zero, "finished without its lease running out");
            var runs = await kit.RunsOfAsync(tenant.TenantId);
            Assert.Multiple(() =>
            {
                Assert.That(runs.Select(r => r.Status), Is.EqualTo(new[] { RunStatus.Succeeded }), "one record, as the run ended");
                Assert.That(sink.Count("OPS-81"), Is.EqualTo(1), "the steps ran once");
                Assert.That(logs.AllText, Does.Not.Contain("injected finish fault"), "the log names the exception type and SQLite's code, not its message");
            });
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private static int FinishRetries(CapturedLogs logs)
        => logs.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Recording the finished run", StringComparison.Ordinal));
}
