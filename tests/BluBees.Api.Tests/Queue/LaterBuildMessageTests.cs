using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Old and new builds share the queue across a deploy and a rollback (infra/README.md: stored data stays readable by
/// the previous version as long as changes are additive). A run message queued by a later build that added a field
/// must still run here, once; before, the message was read with the API bodies' strict options (unknown members
/// refused), so it never opened and ended as <c>delivery_exhausted</c>: an accepted event that never ran.
/// </summary>
public sealed class LaterBuildMessageTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_message_queued_by_a_later_build_with_a_field_this_build_lacks_runs_once()
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        var ruleId = await kit.RuleAsync(tenant, sink.Address);
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-72"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));

        // Rewrite the queued message as a later build would have sealed it: one more field at the top and in the tenant.
        var cipher = kit.Services.GetRequiredService<SecretCipher>();
        string id, body;
        await using (var connection = new SqliteConnection($"Data Source={kit.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var read = connection.CreateCommand();
            read.CommandText = "SELECT id, body FROM run_queue;";
            await using var reader = await read.ExecuteReaderAsync();
            Assert.That(await reader.ReadAsync(), Is.True);
            (id, body) = (reader.GetString(0), reader.GetString(1));
        }

        var message = JsonNode.Parse(await cipher.DecryptAsync(tenant.Id, SqliteRunQueue.RecordId(id), body, CancellationToken.None))!.AsObject();
        message["priority"] = "high";
        message["tenant"]!["region"] = "eu";
        var later = await cipher.EncryptAsync(tenant.Id, SqliteRunQueue.RecordId(id), message.ToJsonString(), CancellationToken.None);
        Assert.That(await kit.ScalarAsync("UPDATE run_queue SET body = $body WHERE id = $id; SELECT changes();", ("$body", later), ("$id", id)), Is.EqualTo(1));

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0, Generous);
        var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), d => d == 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r.RuleId, r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (ruleId, RunStatus.Succeeded, (string?)null) }), "exactly one record, of a run");
            Assert.That(sink.Count("OPS-72"), Is.EqualTo(1), "the step ran once");
            Assert.That(depth, Is.Zero);
        });
    }
}
