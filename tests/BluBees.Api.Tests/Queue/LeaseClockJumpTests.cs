using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The host clock jumps forward across a running message's lease (a VM resumed after a pause, NTP stepping a clock that
/// was behind): the lease expires at once, before any renewal could move it, and the claim loop finds it claimable
/// while the run is still waiting on its third party. The message must not start a second time (a second call to the
/// third party) and must leave exactly one record. The injected clock jumps 50 s in one step: past the lease (6 s, renewed
/// every 2 s) many times over, below the step's timeouts (60 s, the most a step's attempt may have: they run on the same
/// clock, and a jump past them times the step out, which is another matter); the third party hangs until released.
/// </summary>
public sealed class LeaseClockJumpTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_clock_jump_past_the_lease_of_a_running_message_neither_runs_it_twice_nor_records_it_twice()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:LeaseSeconds"] = "6", ["Egress:ResponseHeadersTimeout"] = "00:05:00" });
        var tenant = QueueKit.NewTenant();
        // The step's timeouts (its attempt, the whole call, the wait for response headers) run on the same clock: raised
        // above the jump.
        var resilience = new System.Text.Json.Nodes.JsonObject { ["attemptTimeoutSeconds"] = 60, ["timeoutSeconds"] = 300, ["maxRetries"] = 0 };
        await kit.RuleAsync(tenant, sink.Address, path: "/HANG/{{ issue.key }}", resilience: resilience, timeoutSeconds: 60);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-72"), null, null, CancellationToken.None);
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-72")), n => n == 1, Generous);
            var leased = await kit.ScalarAsync("SELECT lease_until FROM run_queue");

            kit.Clock.Advance(TimeSpan.FromSeconds(50));
            kit.Queue.Wake();

            // The claim loop and the renewal both see the jump: the lease is moved past the new time (by the renewal, or
            // by a claim that found the message still running here and left it to the running one).
            var now = kit.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            var moved = await Waits.ForUpToAsync(() => kit.ScalarAsync("SELECT lease_until FROM run_queue"), l => l > now || l == 0, Generous);
            Assert.That(moved, Is.GreaterThan(now), "still queued and leased: " + string.Join(",", (await kit.RunsOfAsync(tenant.TenantId)).Select(r => r.Status + " " + r.ErrorCategory + " " + string.Join("/", r.Steps.Select(s => s.ErrorCategory)))));
            Assert.That(leased, Is.LessThan(now), "the jump went past the lease");
            Assert.That(worker.InFlight, Is.EqualTo(1), "one run of the message in flight");
            Assert.That(sink.Count("OPS-72"), Is.EqualTo(1), "not started a second time");
        }
        finally
        {
            sink.ReleaseHung();
        }

        await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        await worker.StopAsync(CancellationToken.None);
        var runs = await kit.RunsOfAsync(tenant.TenantId);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r.Status), Is.EqualTo(new[] { RunStatus.Succeeded }), "one record, the run's outcome");
            Assert.That(sink.Count("OPS-72"), Is.EqualTo(1), "the third party was called once");
        });
    }
}
