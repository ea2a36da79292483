using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A slow run keeps its lease: one failed renewal (a lock held past the busy timeout, a failed group commit; here a
/// SQLite trigger that aborts renewals for a moment) must not end the renewals, or the lease expires while the step
/// is still in flight and the worker claims and starts the same message a second time (a second call to the third
/// party). The fake clock drives the lease (6 s, renewed every 2 s) and stays below the step's egress timeout; the
/// third party hangs until released.
/// </summary>
public sealed class LeaseRenewalFaultTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_failed_lease_renewal_does_not_let_the_running_message_be_claimed_and_run_again()
    {
        await using var sink = await SlowSink.StartAsync();
        var logs = new CapturedLogs();
        await using var kit = QueueKit.Create(
            new Dictionary<string, string?> { ["Runs:LeaseSeconds"] = "6" },
            s => s.AddLogging(l => l.AddProvider(logs)));
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address, path: "/HANG/{{ issue.key }}");
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-71"), null, null, CancellationToken.None);
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-71")), n => n > 0, Generous);
            var firstLease = await kit.ScalarAsync("SELECT lease_until FROM run_queue");

            // Renewals (lease moved, attempts unchanged) fail while the trigger exists.
            await kit.ScalarAsync("""
                CREATE TRIGGER fail_renewal BEFORE UPDATE ON run_queue
                WHEN NEW.attempts = OLD.attempts AND NEW.lease_until IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'injected renewal fault'); END;
                """);
            kit.Clock.Advance(TimeSpan.FromSeconds(2));
            await Waits.UntilAsync(() => Task.FromResult(logs.AllText), t => t.Contains("SqliteException", StringComparison.Ordinal), Generous);
            Assert.That(logs.AllText, Does.Contain("SqliteException"), "the renewal failed");
            await kit.ScalarAsync("DROP TRIGGER fail_renewal;");

            // The next renewal is due before the lease ends: it must happen.
            kit.Clock.Advance(TimeSpan.FromSeconds(2));
            var lease = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT lease_until FROM run_queue"), l => l > firstLease, Generous);
            if (lease <= firstLease)
            {
                // No renewal came: let the lease run out, as it would in production, and see what the worker does.
                kit.Clock.Advance(TimeSpan.FromSeconds(3));
                await Waits.UntilAsync(() => kit.ScalarAsync("SELECT lease_until FROM run_queue"), l => l > firstLease, Generous);
            }

            Assert.Multiple(async () =>
            {
                Assert.That(await kit.ScalarAsync("SELECT attempts FROM run_queue"), Is.EqualTo(1), "the running message was not claimed again");
                Assert.That(sink.Count("OPS-71"), Is.EqualTo(1), "the third party was called once");
            });
        }
        finally
        {
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }

        var runs = await kit.RunsOfAsync(tenant.TenantId);
        Assert.That(runs, Has.Count.EqualTo(1), "one record");
    }
}
