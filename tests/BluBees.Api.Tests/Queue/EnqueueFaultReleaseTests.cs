using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Webhooks;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A source must not leave a claim behind when the queue does not take its work (a webhook gives its replay record back;
/// an interval schedule writes its last fire only after the hand-over), not only when the queue is full: a queue write
/// that fails (here a SQLite trigger that aborts the tenant's inserts into <c>run_queue</c>, standing in for a disk
/// or lock fault) answers an error, and the sender's retry must then be accepted and run once, not refused as a
/// replay or "not due" and lost without a run record.
/// </summary>
[NonParallelizable]
public sealed class EnqueueFaultReleaseTests : WebhookKit
{
    [Test]
    public async Task A_signed_webhook_whose_enqueue_fails_is_accepted_and_runs_once_on_the_senders_retry()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "fault");
        var body = OrderBody("F-1", "retried");
        var ts = Now;
        var signature = Sign(secret, ts, body);

        await using (await FailInsertsAsync(tenant))
        {
            using var failed = await DeliverAsync(tenant, hookId, body, signature, ts);
            Assert.That((int)failed.StatusCode, Is.GreaterThanOrEqualTo(500), "the queue write failed: not acknowledged");
        }

        using var retry = await DeliverAsync(tenant, hookId, body, signature, ts);
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the retry of work that was never queued is not a replay");
        var runs = await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        await SettleAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1), "exactly one run record");
            Assert.That(runs[0]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(ReceivedAt("/api/v2/fault/F-1"), Is.Not.Empty);
        });
    }

    [Test]
    public async Task A_signed_webhook_whose_rule_list_cannot_be_read_is_accepted_and_runs_once_on_the_senders_retry()
    {
        // A store read that fails after the signature was checked (on DynamoDB a throttled query; here an unreadable
        // rule head) must not leave the delivery recorded as seen either.
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "unread");
        var body = OrderBody("U-1", "retried");
        var ts = Now;
        var signature = Sign(secret, ts, body);
        var pk = TenantStore.PartitionOf(new TenantId(tenant)).Replace("'", "''", StringComparison.Ordinal);

        await ExecuteAsync($"INSERT INTO items (pk, sk, data, expires_at, revision) VALUES ('{pk}', 'RULE#~unreadable', 'not json', NULL, 1);");
        using (var failed = await DeliverAsync(tenant, hookId, body, signature, ts))
        {
            Assert.That((int)failed.StatusCode, Is.GreaterThanOrEqualTo(500), "the rule list could not be read: not acknowledged");
        }

        await ExecuteAsync($"DELETE FROM items WHERE pk = '{pk}' AND sk = 'RULE#~unreadable';");
        using var retry = await DeliverAsync(tenant, hookId, body, signature, ts);
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the retry of work that was never queued is not a replay");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        await SettleAsync();
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1), "exactly one run record");
        Assert.That(ReceivedAt("/api/v2/unread/U-1"), Is.Not.Empty);
    }

    [Test]
    public async Task An_interval_schedule_whose_enqueue_fails_fires_on_forges_retry()
    {
        var tenant = Samples.NewTenant();
        var path = "/fault-every-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant),
            new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 } }, path));

        await using (await FailInsertsAsync(tenant))
        {
            using var failed = await TriggerAsync(tenant);
            Assert.That((int)failed.StatusCode, Is.GreaterThanOrEqualTo(500), "the queue write failed: not acknowledged");
        }

        using var retry = await TriggerAsync(tenant);
        var text = await retry.Content.ReadAsStringAsync();
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
        Assert.That(JsonNode.Parse(text)!["queued"]!.GetValue<int>(), Is.EqualTo(1), "no last fire was written: the rule is still due");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        await SettleAsync();
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1), "exactly one run record");
        Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(1));
    }

    private Task<HttpResponseMessage> TriggerAsync(string tenant)
        => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);

    /// <summary>Makes every insert of the tenant's work into the run queue fail until disposed.</summary>
    private async Task<IAsyncDisposable> FailInsertsAsync(string tenant)
    {
        var name = "fail_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE TRIGGER {name} BEFORE INSERT ON run_queue WHEN NEW.tenant = $tenant BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
            .Replace("$tenant", "'" + tenant.Replace("'", "''", StringComparison.Ordinal) + "'", StringComparison.Ordinal));
        return new Drop(() => ExecuteAsync($"DROP TRIGGER {name};"));
    }

    private async Task ExecuteAsync(string sql)
    {
        var path = Backend.Services.GetRequiredService<IOptions<StorageOptions>>().Value.SqlitePath;
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 5000; " + sql;
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Drop(Func<Task> drop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await drop();
    }
}
