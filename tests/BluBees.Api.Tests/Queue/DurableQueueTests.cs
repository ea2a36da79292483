using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The embedded durable queue on its own (real SQLite, real cipher, fake clock): accepting is one transaction with
/// the de-duplication marker, finishing is one transaction with the run record, redelivery follows the marker's
/// state, leases expire on the injected clock. Failures inside a transaction are forced with SQLite triggers.
/// </summary>
public sealed class DurableQueueTests
{
    [Test]
    public async Task Accepting_writes_the_dedupe_marker_and_the_message_in_one_transaction()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var evt = QueueKit.Event("OPS-1");
        var marker = ("$sk", (object)Keys.Dedup(EventIngestor.DedupKey(evt)));

        // The message insert fails after the marker was written: the marker must roll back with it.
        await kit.ScalarAsync("CREATE TRIGGER fail_enqueue BEFORE INSERT ON run_queue BEGIN SELECT RAISE(ABORT, 'injected'); END;");
        Assert.That(async () => await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None), Throws.InstanceOf<SqliteException>());
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE sk = $sk", marker), Is.Zero, "no marker without its message");

        await kit.ScalarAsync("DROP TRIGGER fail_enqueue;");
        Assert.That(await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), "Forge's retry is not a duplicate");
        Assert.Multiple(async () =>
        {
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE sk = $sk", marker), Is.EqualTo(1));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_batch_of_claims_is_the_same_round_robin_as_claims_one_by_one_and_respects_the_tenant_cap()
    {
        await using var kit = QueueKit.Create();
        var tenants = new[] { QueueKit.NewTenant(), QueueKit.NewTenant(), QueueKit.NewTenant() }.OrderBy(t => t.TenantId, StringComparer.Ordinal).ToArray();
        var (a, b, c) = (tenants[0], tenants[1], tenants[2]);
        foreach (var (tenant, count) in new[] { (a, 3), (b, 2), (c, 1) })
        {
            await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
            for (var i = 0; i < count; i++)
            {
                Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event($"OPS-{i + 1}"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            }
        }

        // A already runs one; the cap is 2. Round-robin from the start: A (now at its cap), B, C, then B again (A is
        // skipped for the rest of the batch), and the batch stops at its size.
        var batch = await kit.Queue.ClaimManyAsync(4, new Dictionary<string, int> { [a.TenantId] = 1 }, 2, null, CancellationToken.None);

        Assert.That(batch.Select(m => m.TenantId), Is.EqualTo(new[] { a.TenantId, b.TenantId, c.TenantId, b.TenantId }));
        Assert.That(batch.Select(m => m.Id).Distinct().Count(), Is.EqualTo(4), "four different messages");
        Assert.That(batch.All(m => m.Attempts == 1), Is.True, "each delivery counted once");

        // The batch leased what it returned: what is left are A's two other messages, and only A's.
        var rest = await kit.Queue.ClaimManyAsync(10, new Dictionary<string, int>(), 10, null, CancellationToken.None);
        Assert.That(rest.Select(m => m.TenantId), Is.EqualTo(new[] { a.TenantId, a.TenantId }));
        Assert.That(await kit.Queue.ClaimManyAsync(1, new Dictionary<string, int>(), 10, null, CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task The_round_robin_continues_after_the_last_tenant_wraps_around_and_skips_busy_tenants()
    {
        await using var kit = QueueKit.Create();
        var tenants = new[] { QueueKit.NewTenant(), QueueKit.NewTenant(), QueueKit.NewTenant() }.OrderBy(t => t.TenantId, StringComparer.Ordinal).ToArray();
        var (a, b, c) = (tenants[0].TenantId, tenants[1].TenantId, tenants[2].TenantId);
        foreach (var tenant in tenants)
        {
            await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
            for (var i = 0; i < 3; i++)
            {
                await kit.Ingress.IngestAsync(tenant, QueueKit.Event($"OPS-{i + 1}"), null, null, CancellationToken.None);
            }
        }

        async Task<string?> Next(string? after, params string[] busy) => (await kit.Queue.ClaimAsync(busy, after, CancellationToken.None))?.TenantId;

        Assert.That(await Next(a), Is.EqualTo(b), "the tenant after the last one");
        Assert.That(await Next(c), Is.EqualTo(a), "past the last tenant it wraps to the first");
        Assert.That(await Next(c, a), Is.EqualTo(b), "a busy tenant is passed over");
        Assert.That(await Next(b, c, a), Is.EqualTo(b), "the last tenant itself comes round again when every other is busy");
        Assert.That(await Next(null, a, b, c), Is.Null, "nothing when every tenant is busy");
        Assert.That(await Next("zzzz-after-every-tenant"), Is.EqualTo(a), "an unknown last tenant: from the first");
    }

    [Test]
    public async Task A_full_queue_keeps_nothing_so_the_retry_is_accepted()
    {
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:QueueCapacity"] = "1" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-1"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        var second = QueueKit.Event("OPS-2");
        Assert.That(await kit.Ingress.IngestAsync(tenant, second, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable));
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE sk = $sk", ("$sk", Keys.Dedup(EventIngestor.DedupKey(second)))), Is.Zero);

        var claimed = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        await kit.Queue.CompleteAsync(claimed!, [], CancellationToken.None);
        Assert.That(await kit.Ingress.IngestAsync(tenant, second, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
    }

    [Test]
    public async Task A_redelivery_is_duplicate_only_once_the_run_finished()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var evt = QueueKit.Event("OPS-3");
        async Task<IngestResult> SendAsync() => await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-3", JiraEvent.Text(evt.Body["timestamp"])), null, null, CancellationToken.None);

        Assert.That(await SendAsync(), Is.EqualTo(IngestResult.Accepted));
        Assert.That(await SendAsync(), Is.EqualTo(IngestResult.AlreadyQueued), "still queued: it runs once, and the answer is not 'duplicate'");
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(1));

        // The message is gone but the run never finished (the state the old in-memory queue left after a crash).
        await kit.ScalarAsync("DELETE FROM run_queue;");
        Assert.That(await SendAsync(), Is.EqualTo(IngestResult.Accepted), "neither finished nor queued: queued again");
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(1));

        var claimed = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        await kit.Queue.CompleteAsync(claimed!, [], CancellationToken.None);
        Assert.That(await SendAsync(), Is.EqualTo(IngestResult.Duplicate));
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
    }

    [TestCase("run_queue", "DELETE")]
    [TestCase("items", "INSERT")]
    public async Task Finishing_commits_the_run_record_and_the_queue_removal_together(string table, string operation)
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-4"), null, null, CancellationToken.None);
        var claimed = (await kit.Queue.ClaimAsync([], null, CancellationToken.None))!;
        var message = await kit.Queue.OpenAsync(claimed, CancellationToken.None);
        var record = new RunRecord(RunIds.For(message, ruleId), ruleId, 1, "event", "avi:jira:updated:issue", "1004", "OPS-4",
            kit.Clock.GetUtcNow(), 5, RunStatus.Succeeded, null, []);

        var when = table == "items" ? "WHEN NEW.sk LIKE 'RUN#%'" : string.Empty;
        await kit.ScalarAsync($"CREATE TRIGGER fail_finish BEFORE {operation} ON {table} {when} BEGIN SELECT RAISE(ABORT, 'injected'); END;");
        Assert.That(async () => await kit.Queue.CompleteAsync(claimed, [record], CancellationToken.None), Throws.InstanceOf<SqliteException>());
        Assert.Multiple(async () =>
        {
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE sk LIKE 'RUN#%' OR sk LIKE 'LASTRUN#%'"), Is.Zero, "no record without the removal");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.EqualTo(1), "no removal without the record");
        });

        await kit.ScalarAsync("DROP TRIGGER fail_finish;");
        await kit.Queue.CompleteAsync(claimed, [record], CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((await kit.RunsOfAsync(tenant.TenantId)).Select(r => r.Id), Is.EqualTo(new[] { record.Id }));
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE sk LIKE 'DEDUP#%' AND data LIKE '%finished%'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task An_expired_lease_is_reclaimed_on_the_injected_clock_and_a_renewed_one_is_not()
    {
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:LeaseSeconds"] = "30" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-5"), null, null, CancellationToken.None);

        var first = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        Assert.That(first!.Attempts, Is.EqualTo(1));
        Assert.That(await kit.Queue.ClaimAsync([], null, CancellationToken.None), Is.Null, "leased");
        kit.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.That(await kit.Queue.RenewAsync(first.Id, CancellationToken.None), Is.True);
        kit.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.That(await kit.Queue.ClaimAsync([], null, CancellationToken.None), Is.Null, "the renewal moved the expiry");
        kit.Clock.Advance(TimeSpan.FromSeconds(11));
        var again = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
        Assert.That(again?.Id, Is.EqualTo(first.Id));
        Assert.That(again!.Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task A_message_at_rest_is_ciphertext_and_nothing_of_the_payload_or_token_reaches_the_disk()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var evt = QueueKit.Event("OPS-6");
        evt.Body["issue"]!["fields"]!["summary"] = "canary-summary-7f3a";
        const string token = "canary-system-token-91bd";
        Assert.That(await kit.Ingress.IngestAsync(tenant, evt, token, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));

        var claimed = (await kit.Queue.ClaimAsync([], null, CancellationToken.None))!;
        Assert.That(claimed.Body, Does.StartWith("v1."));
        var message = await kit.Queue.OpenAsync(claimed, CancellationToken.None);
        Assert.That(message.SystemToken, Is.EqualTo(token), "the worker gets it back");
        await kit.Queue.CompleteAsync(claimed, [], CancellationToken.None);
        SqliteConnection.ClearAllPools();
        var disk = string.Join('\n', Directory.EnumerateFiles(kit.DataDirectory, "*", SearchOption.AllDirectories).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            return reader.ReadToEnd();
        }));
        Assert.That(disk, Does.Not.Contain("canary-summary-7f3a").And.Not.Contain(token));
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero, "deleted when its run finished");
    }

    [Test]
    public async Task A_message_copied_to_another_tenant_does_not_open()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var other = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        await kit.RuleAsync(other, new Uri("http://127.0.0.1:9/"));
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-8"), null, null, CancellationToken.None);
        var claimed = (await kit.Queue.ClaimAsync([], null, CancellationToken.None))!;
        Assert.That(async () => await kit.Queue.OpenAsync(claimed with { TenantId = other.TenantId }, CancellationToken.None),
            Throws.InstanceOf<System.Security.Cryptography.CryptographicException>());
    }

    [Test]
    public async Task Ingress_filters_events_no_enabled_rule_could_match()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        var created = JiraEvent.From(Samples.Event("OPS-9", "created", eventType: "avi:jira:created:issue"), out _)!;
        Assert.Multiple(async () =>
        {
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("WEB-9"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Filtered), "project");
            Assert.That(await kit.Ingress.IngestAsync(tenant, created, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Filtered), "event type");
            Assert.That(await kit.Ingress.IngestAsync(QueueKit.NewTenant(), QueueKit.Event("OPS-9"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Filtered), "no rules");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM items WHERE sk LIKE 'DEDUP#%'"), Is.Zero, "a filtered event leaves no marker");
            Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-9"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        });
    }

    [Test]
    public async Task A_field_changed_trigger_filters_events_without_that_change()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var trigger = new JsonObject
        {
            ["type"] = "event",
            ["events"] = new JsonArray("avi:jira:updated:issue"),
            ["fieldChanged"] = new JsonObject { ["field"] = "assignee" },
        };
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"), trigger);
        var evt = QueueKit.Event("OPS-10");
        Assert.That(await kit.Ingress.IngestAsync(tenant, evt, null, null, CancellationToken.None), Is.EqualTo(IngestResult.Filtered), "the sample's changelog changes status only");
    }

    [Test]
    public async Task The_ingress_refuses_everything_once_the_gate_is_closed()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        kit.Services.GetRequiredService<IngressGate>().Close();
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-11"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Unavailable));
        Assert.That(await kit.Ingress.SubmitAsync(new IngressRequest(tenant, RunSource.Manual, new JsonObject { ["eventType"] = "blubees:manual" }), CancellationToken.None),
            Is.EqualTo(IngestResult.Unavailable));
        Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), Is.Zero);
    }
}
