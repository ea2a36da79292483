using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// An uninstall that lands while a run of the tenant is in flight leaves nothing of the tenant behind: the run's
/// records are not written back after the purge (real SQLite, worker and a loopback third party that hangs until
/// released). Found by an adversarial sweep: runs finishing after the purge wrote RUN#, IRUN# and LASTRUN# items.
/// </summary>
public sealed class UninstallRaceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_run_that_finishes_after_its_tenant_was_uninstalled_writes_nothing_back()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "OPS-2";
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // Control first: a run that finishes while the tenant is installed is recorded.
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None);
            Assert.That(await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count == 1, Generous), Has.Count.EqualTo(1));

            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-2"), null, null, CancellationToken.None);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-2")), n => n == 1, Generous), Is.EqualTo(1), "the run is in flight");
            await kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None);
            Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.Zero, "the purge removed everything");

            sink.ReleaseHung();
            Assert.That(await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous), Is.Zero, "the run finished");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.Zero, "the finished run wrote nothing back");
    }

    [Test]
    public async Task The_sqs_workers_path_removes_what_it_wrote_for_a_tenant_uninstalled_meanwhile()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var message = new RunMessage(tenant, RunSource.Event, QueueKit.Event("OPS-3").Body.ToJsonString(), DateTimeOffset.UtcNow, Id: "msg-race-3");
        var processor = kit.Services.GetRequiredService<RunProcessor>();

        // Control: processed while installed, the records stay.
        await processor.ProcessAsync(message, CancellationToken.None);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "RUN#"), Is.EqualTo(1));

        // The rules are read, then the tenant is uninstalled before the records are written (a run in flight).
        var records = await processor.ExecuteAsync(message with { Id = "msg-race-4" }, CancellationToken.None);
        await kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None);
        foreach (var run in records)
        {
            await kit.Runs.WriteAsync(tenant.Id, run, CancellationToken.None);
        }

        Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.GreaterThan(0), "control: the late write landed");
        Assert.That(await kit.Runs.RemoveIfUninstalledAsync(tenant.Id, records, [], message.ReceivedAt, CancellationToken.None), Is.True);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.Zero);
    }

    [Test]
    public async Task The_sqs_workers_path_also_removes_the_loop_guard_count_a_run_wrote_for_a_tenant_uninstalled_meanwhile()
    {
        // A Jira-writing rule counts its run in the loop guard (LOOP#<rule>#<issue>#…) before its steps; an uninstall
        // landing between that count and the records leaves the count in the deleted partition, with the tenant's id.
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var message = new RunMessage(tenant, RunSource.Event, QueueKit.Event("OPS-5").Body.ToJsonString(), DateTimeOffset.UtcNow, Id: "msg-race-5");
        var processor = kit.Services.GetRequiredService<RunProcessor>();
        var records = await processor.ExecuteAsync(message, CancellationToken.None);
        Assert.That(records, Has.Count.EqualTo(1));
        var run = records[0];
        await kit.Services.GetRequiredService<TenantService>().UninstallAsync(tenant.Id, CancellationToken.None);

        var loops = kit.Services.GetRequiredService<BluBees.Engine.Steps.Jira.LoopGuard>();
        Assert.That(await loops.TryEnterAsync(tenant.Id, run.RuleId, (run.IssueId ?? run.IssueKey)!, CancellationToken.None), Is.True);
        await kit.Runs.WriteAsync(tenant.Id, run, CancellationToken.None);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "LOOP#"), Is.EqualTo(1), "control: the late loop count landed");

        Assert.That(await kit.Runs.RemoveIfUninstalledAsync(tenant.Id, records, [], message.ReceivedAt, CancellationToken.None), Is.True);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.Zero, "nothing of the uninstalled tenant is left, its loop count included");
    }

    [Test]
    public async Task A_rule_deleted_while_its_event_is_in_flight_leaves_no_failed_record()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        var rules = kit.Services.GetRequiredService<BluBees.Engine.Rules.RuleService>();
        var processor = kit.Services.GetRequiredService<RunProcessor>();
        var message = new RunMessage(tenant, RunSource.Event, QueueKit.Event("OPS-5").Body.ToJsonString(), kit.Clock.GetUtcNow(), Id: "msg-deleted-5");

        // The ingress read the rule's head for this event; the rule is deleted before the worker loads it, and the
        // worker has no compiled copy (another instance, or an evicted cache): its version is gone from the store.
        var heads = await rules.ListHeadsForRunAsync(tenant.Id, CancellationToken.None);
        Assert.That(heads.Select(h => h.Id), Is.EqualTo(new[] { ruleId }));
        Assert.That(await rules.DeleteAsync(tenant.Id, ruleId, CancellationToken.None), Is.True);
        kit.Services.GetRequiredService<BluBees.Engine.Rules.RuleCache>().Clear();

        var records = await processor.ExecuteAsync(message with { IngressHeads = heads }, CancellationToken.None);
        Assert.That(records, Is.Empty, "the rule is gone: no run, and no rule_invalid record of a rule that no longer exists");
        Assert.That(sink.Count("OPS-5"), Is.Zero);
    }

    [Test]
    public async Task A_run_in_flight_across_an_uninstall_and_a_reinstall_writes_nothing_into_the_new_installation()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "OPS-6";
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var tenants = kit.Services.GetRequiredService<TenantService>();
        var worker = kit.Worker();
        long installed;
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-6"), null, null, CancellationToken.None);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-6")), n => n == 1, Generous), Is.EqualTo(1), "the run is in flight");
            await tenants.UninstallAsync(tenant.Id, CancellationToken.None);
            await tenants.InstallAsync(tenant, CancellationToken.None);
            installed = await TenantItemsAsync(kit, tenant.TenantId);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero, "the uninstall deleted the tenant's queued message");

        }
        finally
        {
            // The drain waits for the run in flight, which the sink now answers: it completes normally.
            sink.ReleaseHung();
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "RUN#"), Is.Zero, "no run record of the earlier installation");
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "LASTRUN#"), Is.Zero);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId), Is.EqualTo(installed), "only what the new installation wrote itself");
    }

    [Test]
    public async Task Events_queued_before_an_uninstall_never_run_after_a_reinstall()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var tenants = kit.Services.GetRequiredService<TenantService>();

        // No worker yet: the events wait in the queue.
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-7"), null, null, CancellationToken.None);
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-8"), null, null, CancellationToken.None);
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(2), "control: both are queued");
        await tenants.UninstallAsync(tenant.Id, CancellationToken.None);
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
        await tenants.InstallAsync(tenant, CancellationToken.None);
        await kit.RuleAsync(tenant, sink.Address);

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // A new event of the new installation runs; the earlier ones never do.
            await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-9"), null, null, CancellationToken.None);
            Assert.That(await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count == 1, Generous), Has.Count.EqualTo(1));
            Assert.That(await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous), Is.Zero);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.That(sink.Count("OPS-7") + sink.Count("OPS-8"), Is.Zero);
        Assert.That(sink.Count("OPS-9"), Is.EqualTo(1));
        Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Single().IssueKey, Is.EqualTo("OPS-9"));
    }

    [Test]
    public async Task The_sqs_workers_path_removes_what_it_wrote_into_a_later_installation()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var tenants = kit.Services.GetRequiredService<TenantService>();
        var processor = kit.Services.GetRequiredService<RunProcessor>();
        var message = new RunMessage(tenant, RunSource.Event, QueueKit.Event("OPS-10").Body.ToJsonString(), kit.Clock.GetUtcNow(), Id: "msg-reinstall-10");

        // Control: a key made within the installation skew of the receipt (the ingress creates a missing key while
        // it seals the message) is the same installation's: the records stay.
        var records = await processor.ExecuteAsync(message, CancellationToken.None);
        Assert.That(records, Has.Count.EqualTo(1));
        foreach (var run in records)
        {
            await kit.Runs.WriteAsync(tenant.Id, run, CancellationToken.None);
        }

        Assert.That(await kit.Runs.RemoveIfUninstalledAsync(tenant.Id, records, [], message.ReceivedAt, CancellationToken.None), Is.False);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "RUN#"), Is.EqualTo(1));

        // Uninstalled and installed again five minutes later while the run was in flight.
        records = await processor.ExecuteAsync(message with { Id = "msg-reinstall-11" }, CancellationToken.None);
        await tenants.UninstallAsync(tenant.Id, CancellationToken.None);
        kit.Clock.Advance(TimeSpan.FromMinutes(5));
        await tenants.InstallAsync(tenant, CancellationToken.None);
        foreach (var run in records)
        {
            await kit.Runs.WriteAsync(tenant.Id, run, CancellationToken.None);
        }

        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "RUN#"), Is.EqualTo(1), "control: the late write landed");
        Assert.That(await kit.Runs.RemoveIfUninstalledAsync(tenant.Id, records, [], message.ReceivedAt, CancellationToken.None), Is.True);
        Assert.That(await TenantItemsAsync(kit, tenant.TenantId, "RUN#"), Is.Zero);
    }

    private static Task<long> TenantItemsAsync(QueueKit kit, string tenantId, string prefix = "")
        => kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE pk = $pk AND sk LIKE $prefix", ("$pk", Keys.Tenant(tenantId)), ("$prefix", prefix + "%"));
}
