using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The durable queue's worker driven by hand over real SQLite and a loopback third party: bounded deliveries and
/// age, crashes recorded as internal_error, the shutdown drain, and fairness across tenants. Waits are generous;
/// no timing is asserted.
/// </summary>
public sealed class WorkerTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_poison_message_ends_as_one_failed_record_after_its_attempts_never_silently()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxAttempts"] = "2", ["Runs:LeaseSeconds"] = "10" });
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-20"), null, null, CancellationToken.None);
        // Two deliveries that never finished (a worker that died twice with the message in hand).
        for (var i = 0; i < 2; i++)
        {
            Assert.That(await kit.Queue.ClaimAsync([], null, CancellationToken.None), Is.Not.Null);
            kit.Clock.Advance(TimeSpan.FromSeconds(11));
        }

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(runs.Select(r => (r.RuleId, r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (ruleId, RunStatus.Failed, (string?)ErrorCategories.DeliveryExhausted) }));
            Assert.That(sink.Count("OPS-20"), Is.Zero, "not run a third time");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
        });
    }

    [Test]
    public async Task A_message_older_than_its_age_limit_ends_as_a_failed_record()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxMessageAgeHours"] = "1" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-21"), null, null, CancellationToken.None);
        kit.Clock.Advance(TimeSpan.FromHours(2));

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0, Generous);
        await worker.StopAsync(CancellationToken.None);
        Assert.That(runs.Single().ErrorCategory, Is.EqualTo(ErrorCategories.DeliveryExhausted));
        Assert.That(sink.Count("OPS-21"), Is.Zero);
    }

    [TestCase("fields-string")]
    [TestCase("project-string")]
    public async Task A_run_that_throws_leaves_one_internal_error_record(string shape)
    {
        await using var sink = await SlowSink.StartAsync();
        // The step itself throws (a bug in a step kind): the run must still end as one failed record.
        await using var kit = QueueKit.Create(configure: ThrowingStepExecutor.ReplaceHttp);
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        var body = Samples.Event("OPS-22", "odd shape");
        if (shape == "fields-string")
        {
            body["issue"]!["fields"]!["summary"] = new JsonArray(1, 2);
        }
        else
        {
            body["issue"]!["fields"]!["labels"] = "not-a-list";
        }

        // Straight into the engine's ingress: whatever the HTTP validation accepts or refuses, the engine must cope.
        var result = await kit.Ingress.IngestAsync(tenant, JiraEvent.From(body, out _)!, null, null, CancellationToken.None);
        Assert.That(result, Is.EqualTo(IngestResult.Accepted), "the event matches the rule and is queued");
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0, Generous);
        await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        await worker.StopAsync(CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(runs.Select(r => (r.RuleId, r.Status, r.ErrorCategory, r.IssueKey)),
                Is.EqualTo(new[] { (ruleId, RunStatus.Failed, (string?)ErrorCategories.InternalError, (string?)"OPS-22") }));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero, "finished, not retried forever");
        });
    }

    [TestCase("\"OPS-26\"")]
    [TestCase("26")]
    [TestCase("[1,2]")]
    [TestCase("{\"key\":\"OPS-26\",\"fields\":7}")]
    [TestCase("{\"key\":{\"x\":1},\"fields\":{\"project\":[1]}}")]
    public async Task An_event_of_any_shape_leaves_exactly_one_record_and_is_not_retried_forever(string issue)
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        // No project filter, so the odd event reaches the run rather than being filtered at the ingress.
        await kit.RuleAsync(tenant, sink.Address, new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") });
        var body = Samples.Event("OPS-26", "odd shape");
        body["issue"] = JsonNode.Parse(issue);
        Assert.That(await kit.Ingress.IngestAsync(tenant, JiraEvent.From(body, out _)!, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        await worker.StopAsync(CancellationToken.None);
        var runs = await kit.RunsOfAsync(tenant.TenantId);
        Assert.That(runs, Has.Count.EqualTo(1), "one record, whatever the outcome");
        Assert.That(runs[0].Status, Is.AnyOf(RunStatus.Succeeded, RunStatus.Failed));
    }

    [Test]
    public async Task The_drain_deadline_cancels_what_still_runs_records_it_and_leaves_it_durable()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:DrainSeconds"] = "5" });
        using var drain = new DrainListener();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address, path: "/HANG/{{ issue.key }}");
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-23"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-23")), n => n > 0, Generous);

        var stopping = worker.StopAsync(CancellationToken.None);
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-24"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable),
            "the draining backend accepts nothing new");
        // The deadline runs on the injected clock: step it past the drain deadline.
        await Waits.UntilAsync(() => { kit.Clock.Advance(TimeSpan.FromSeconds(1)); return Task.FromResult(stopping.IsCompleted); }, done => done, Generous);
        await stopping;

        var runs = await kit.RunsOfAsync(tenant.TenantId);
        Assert.Multiple(async () =>
        {
            Assert.That(runs.Select(r => (r.RuleId, r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (ruleId, RunStatus.Failed, (string?)ErrorCategories.Cancelled) }));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue WHERE lease_until IS NULL"), Is.EqualTo(1), "left durable, lease given back");
            Assert.That(drain.Total("left_durable"), Is.EqualTo(1));
            Assert.That(drain.Total("completed"), Is.Zero);
        });

        // The next start runs it again and finishes the same record.
        sink.ReleaseHung();
        var next = kit.Worker();
        await next.StartAsync(CancellationToken.None);
        await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), n => n == 0, Generous);
        await next.StopAsync(CancellationToken.None);
        var after = await kit.RunsOfAsync(tenant.TenantId);
        Assert.That(after.Select(r => (r.Id, r.Status)), Is.EqualTo(new[] { (runs.Single().Id, RunStatus.Succeeded) }), "one record per event, finished by the replay");
    }

    [Test]
    public async Task The_drain_lets_in_flight_runs_finish_within_the_deadline()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.Delay = TimeSpan.FromMilliseconds(500);
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:DrainSeconds"] = "20" });
        using var drain = new DrainListener();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-25"), null, null, CancellationToken.None);
        await Waits.UntilAsync(() => Task.FromResult(sink.Count("OPS-25")), n => n > 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        var runs = await kit.RunsOfAsync(tenant.TenantId);
        Assert.Multiple(async () =>
        {
            Assert.That(runs.Single().Status, Is.EqualTo(RunStatus.Succeeded));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            Assert.That(drain.Total("completed"), Is.EqualTo(1));
            Assert.That(drain.Total("left_durable"), Is.Zero);
        });
    }

    [Test]
    public async Task A_tenant_with_a_hanging_host_cannot_hold_every_worker()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:WorkerConcurrency"] = "2", ["Runs:PerTenantConcurrency"] = "1" });
        var hanging = QueueKit.NewTenant();
        var other = QueueKit.NewTenant();
        await kit.RuleAsync(hanging, sink.Address, path: "/HANG/{{ issue.key }}");
        await kit.RuleAsync(other, sink.Address);
        for (var i = 0; i < 6; i++)
        {
            await kit.Ingress.IngestAsync(hanging, QueueKit.Event($"OPS-{300 + i}"), null, null, CancellationToken.None);
        }

        for (var i = 0; i < 3; i++)
        {
            await kit.Ingress.IngestAsync(other, QueueKit.Event($"OPS-{400 + i}"), null, null, CancellationToken.None);
        }

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(other.TenantId), r => r.Count == 3, Generous);
        var hangingHits = sink.Count("/HANG/");
        sink.ReleaseHung();
        await worker.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded), "the other tenant's runs proceeded");
            Assert.That(hangingHits, Is.EqualTo(1), "the hanging tenant held one worker, its cap");
        });
    }

    [Test]
    public async Task Two_tenants_with_hanging_hosts_cannot_hold_every_worker_between_them()
    {
        // The defaults: 16 workers, 8 per tenant. Two tenants at their caps held all 16, and a third tenant's events
        // waited for the hanging calls to time out (30 s each attempt, with retries). Two workers are kept for tenants
        // with nothing running.
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var first = QueueKit.NewTenant();
        var second = QueueKit.NewTenant();
        var other = QueueKit.NewTenant();
        // Each connection lets many calls wait on its host at once (its bulkhead allows up to 100): a tenant's choice.
        var wide = new JsonObject { ["maxConcurrency"] = 100 };
        await kit.RuleAsync(first, sink.Address, path: "/HANG/{{ issue.key }}", resilience: wide);
        await kit.RuleAsync(second, sink.Address, path: "/HANG/{{ issue.key }}", resilience: (JsonObject)wide.DeepClone());
        await kit.RuleAsync(other, sink.Address);
        foreach (var (tenant, from) in new[] { (first, 600), (second, 700) })
        {
            for (var i = 0; i < 10; i++)
            {
                await kit.Ingress.IngestAsync(tenant, QueueKit.Event($"OPS-{from + i}"), null, null, CancellationToken.None);
            }
        }

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        await Waits.UntilAsync(() => Task.FromResult(sink.Count("/HANG/")), n => n == 14, Generous);
        for (var i = 0; i < 3; i++)
        {
            await kit.Ingress.IngestAsync(other, QueueKit.Event($"OPS-{500 + i}"), null, null, CancellationToken.None);
        }

        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(other.TenantId), r => r.Count == 3, Generous);
        var hangingHits = sink.Count("/HANG/");
        sink.ReleaseHung();
        await worker.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r.Status), Is.All.EqualTo(RunStatus.Succeeded), "the third tenant's runs proceeded while both others hung");
            Assert.That(hangingHits, Is.EqualTo(14), "the hanging tenants held 8 and 6 workers: two stayed for tenants with nothing running");
        });
    }

    /// <summary>Collects <c>blubees.worker.drain</c> measurements by outcome.</summary>
    private sealed class DrainListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

        public DrainListener()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BluBeesMetrics.MeterName && instrument.Name == "blubees.worker.drain")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "outcome" && tag.Value is string outcome)
                    {
                        _totals.AddOrUpdate(outcome, value, (_, n) => n + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Total(string outcome) => _totals.GetValueOrDefault(outcome);

        public void Dispose() => _listener.Dispose();
    }
}
