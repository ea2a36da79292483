using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A run whose steps have ended gives its worker slot and its tenant's share back before its records commit: the
/// commit waits in the group-commit writer behind whatever else is being written, and a share held through that wait
/// kept the tenant's next event from starting although nothing of the run still called out. The message itself stays
/// leased and in flight until the commit, and ends with exactly one record. Real SQLite, real cipher, real worker, a
/// loopback third party; the writer is held by a write that waits on a gate. Two workers, one share per tenant.
/// </summary>
public sealed class FinishingRunShareTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_run_waiting_for_its_records_to_commit_no_longer_holds_its_tenants_share()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:WorkerConcurrency"] = "2", ["Runs:PerTenantConcurrency"] = "1" });
        var tenant = QueueKit.NewTenant();
        var others = new[] { QueueKit.NewTenant().TenantId, QueueKit.NewTenant().TenantId };
        await kit.RuleAsync(tenant, sink.Address, path: "/t/HANG/{{ issue.key }}");
        var worker = kit.Worker();
        var handOff = (IRunHandOff)worker;
        await worker.StartAsync(CancellationToken.None);
        using var gate = new ManualResetEventSlim();
        try
        {
            // The worker has attached to the queue, its claim loop has found the queue empty (the backlog flag is
            // cleared inside that claim) and given back every slot, and it sleeps: nothing wakes it until the run's
            // records commit (the fake clock never ends its poll). So the slots seen below are the run's alone.
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(!kit.Queue.Backlog && ReserveAll(handOff, others)), idle => idle, Generous), Is.True, "the worker is idle");

            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("/t/HANG/OPS-1")), n => n == 1, Generous), Is.EqualTo(1), "the run is calling out");
            Assert.That(Reserve(handOff, tenant.TenantId), Is.False, "while its step runs, the run holds the tenant's one share");

            // Hold the writer, then let the step end: the run's records wait behind the held write.
            using var entered = new ManualResetEventSlim();
            var held = kit.Queue.Writer.RunAsync(_ =>
            {
                entered.Set();
                gate.Wait();
                return 0;
            }, CancellationToken.None);
            Assert.That(entered.Wait(Generous), Is.True, "the writer is held");
            sink.ReleaseHung();

            Assert.That(await Waits.UntilAsync(() => Task.FromResult(Reserve(handOff, tenant.TenantId)), free => free, Generous), Is.True,
                "the tenant's share is free while the finished run's records wait to commit");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NOT NULL"), Is.EqualTo(1),
                "the message is still queued and leased: its records have not committed");

            gate.Set();
            await held;
            Assert.That(await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous), Is.Zero);
            var runs = await kit.RunsOfAsync(tenant.TenantId);
            Assert.Multiple(() =>
            {
                Assert.That(runs, Has.Count.EqualTo(1), "exactly one record");
                Assert.That(runs.Single().Status, Is.EqualTo(Engine.Execution.RunStatus.Succeeded));
                Assert.That(sink.Count("/t/HANG/OPS-1"), Is.EqualTo(1), "run once");
            });
        }
        finally
        {
            gate.Set();
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Whether the worker would take a hand-off of each of <paramref name="tenants"/> at once: every slot is free.</summary>
    private static bool ReserveAll(IRunHandOff handOff, string[] tenants)
    {
        var taken = tenants.TakeWhile(handOff.TryReserve).ToList();
        taken.ForEach(handOff.Unreserve);
        return taken.Count == tenants.Length;
    }

    /// <summary>Whether the worker would take a direct hand-off of <paramref name="tenant"/> now (given back at once).</summary>
    private static bool Reserve(IRunHandOff handOff, string tenant)
    {
        if (!handOff.TryReserve(tenant))
        {
            return false;
        }

        handOff.Unreserve(tenant);
        return true;
    }
}
