using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Forge gives a remote backend 5 s to answer an event (https://developer.atlassian.com/platform/forge/remote/sending-product-events/,
/// "remote invocations will have a timeout of 5 seconds"), while a manual run from the UI gets 25 s and a web trigger 55 s.
/// While another process holds SQLite's write lock, an event's accept waited the same 10 s as every source before it
/// was withdrawn and answered 503, so the answer came after Forge had given up. Now an event's accept gives up at
/// <see cref="SqliteRunQueue.EventAcceptLockWait"/> (3 s on the injected clock) and the other sources keep
/// <see cref="SqliteRunQueue.AcceptLockWait"/>. Real SQLite (the lock held from another connection), no worker running.
/// </summary>
[NonParallelizable]
public sealed class ForgeEventLockWaitTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task An_events_accept_gives_up_on_a_held_write_lock_inside_Forges_5_s_and_a_manual_run_keeps_its_10_s()
    {
        Assert.That(SqliteRunQueue.LockWaitFor(RunSource.Event), Is.LessThan(TimeSpan.FromSeconds(5)), "inside Forge's 5 s for an event");
        Assert.That(SqliteRunQueue.LockWaitFor(RunSource.Manual), Is.EqualTo(SqliteRunQueue.AcceptLockWait));

        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var rule = await kit.RuleAsync(tenant, sink.Address);
        Task<IngestResult> evt, manual;
        await using (var other = new SqliteConnection($"Data Source={kit.DatabasePath};Pooling=False"))
        {
            await other.OpenAsync();
            await ExecuteAsync(other, "BEGIN IMMEDIATE;");
            var before = kit.Queue.WritesSubmitted;
            evt = kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None);
            manual = kit.Ingress.SubmitAsync(new IngressRequest(tenant, RunSource.Manual, kit.ManualEvent("OPS-2")) { RuleId = rule }, CancellationToken.None);
            var pending = (evt, manual);
            await Waits.UntilAsync(() => Task.FromResult(kit.Queue.WritesSubmitted - before), n => n >= 2 || pending.evt.IsCompleted || pending.manual.IsCompleted, Generous);
            Assert.That(new[] { evt, manual }.Where(t => t.IsCompleted), Is.Empty, "both accepts wait for the held lock");

            kit.Clock.Advance(SqliteRunQueue.EventAcceptLockWait + TimeSpan.FromMilliseconds(500));
            Assert.That(async () => await evt.WaitAsync(Generous), Throws.InstanceOf<SqliteException>(), "the event's accept gave up (answered 503 with Retry-After)");
            Assert.That(manual.IsCompleted, Is.False, "the manual run's accept still waits: the UI gives it 25 s");

            kit.Clock.Advance(SqliteRunQueue.AcceptLockWait - SqliteRunQueue.EventAcceptLockWait);
            Assert.That(async () => await manual.WaitAsync(Generous), Throws.InstanceOf<SqliteException>(), "then it gives up too");
            await ExecuteAsync(other, "ROLLBACK;");
        }

        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero, "nothing of either was kept");
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), "Forge's retry is accepted once the lock is free");
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
