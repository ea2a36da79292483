using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Crypto;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A queued message that opens (its ciphertext and data key are fine) but lacks a member this build needs — written by
/// a build whose message had another shape, or a member sealed as null — must end as one failed record after its
/// attempts, never be claimed and fail every lease forever. Before, a message without <c>tenant</c> threw a
/// NullReferenceException while it was opened and one without <c>payload</c> an ArgumentNullException while its event
/// was read, even on the delivery that should have recorded it <c>delivery_exhausted</c>: the worker logged a crash,
/// the lease ran out, and the message was claimed again, with no record, for ever.
/// </summary>
public sealed class IncompleteMessageTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [TestCase("payload", false)]
    [TestCase("payload", true)]
    [TestCase("tenant", false)]
    [TestCase("tenant", true)]
    public async Task A_message_lacking_a_member_ends_as_one_failed_record_not_retried_forever(string member, bool asNull)
    {
        await using var sink = await SlowSink.StartAsync();
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:MaxAttempts"] = "2", ["Runs:LeaseSeconds"] = "10" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address);
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-73"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
        await RewriteAsync(kit, tenant.Id, message =>
        {
            if (asNull)
            {
                message[member] = null;
            }
            else
            {
                message.Remove(member);
            }
        });

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + Generous;
        IReadOnlyList<RunRecord> runs = [];
        long attempts = 0;
        while (DateTime.UtcNow < deadline && (runs = await kit.RunsOfAsync(tenant.TenantId)).Count == 0)
        {
            attempts = await kit.ScalarAsync("SELECT IFNULL(MAX(attempts), 0) FROM run_queue");
            kit.Clock.Advance(TimeSpan.FromSeconds(11)); // past the lease: the next delivery
            await Task.Delay(100);
        }

        var depth = await Waits.UntilAsync(() => kit.ScalarAsync("SELECT COUNT(*) FROM run_queue"), d => d == 0, Generous);
        await worker.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (RunStatus.Failed, (string?)ErrorCategories.DeliveryExhausted) }), $"exactly one record (deliveries so far: {attempts})");
            Assert.That(depth, Is.Zero, "the message left the queue");
            Assert.That(sink.Count("OPS-73"), Is.Zero, "nothing was sent");
        });
    }

    /// <summary>Opens the one queued message, changes it, and seals it again under the tenant's data key.</summary>
    private static async Task RewriteAsync(QueueKit kit, BluBees.Engine.Storage.TenantId tenant, Action<JsonObject> change)
    {
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

        var message = JsonNode.Parse(await cipher.DecryptAsync(tenant, SqliteRunQueue.RecordId(id), body, CancellationToken.None))!.AsObject();
        change(message);
        var sealedAgain = await cipher.EncryptAsync(tenant, SqliteRunQueue.RecordId(id), message.ToJsonString(), CancellationToken.None);
        Assert.That(await kit.ScalarAsync("UPDATE run_queue SET body = $body WHERE id = $id; SELECT changes();", ("$body", sealedAgain), ("$id", id)), Is.EqualTo(1));
    }
}
