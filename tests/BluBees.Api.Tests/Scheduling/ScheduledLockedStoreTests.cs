using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A scheduled trigger while another process holds the SQLite file's write lock (an operator's <c>sqlite3</c> shell, a
/// backup tool): the due interval's hand-over marker cannot be written, so the trigger is answered 503 with
/// Retry-After within the accept's bound (<c>SqliteRunQueue.AcceptLockWait</c>), as an event and a webhook delivery
/// are, while the lock is still held. Before, that write waited the connection's 30 s command timeout, past Forge's
/// 25 s invocation limit, so the call failed with no answer. The next trigger, once the lock is free, fires the
/// interval once.
/// </summary>
[NonParallelizable]
public sealed class ScheduledLockedStoreTests : FakeClockFixture
{
    [Test]
    public async Task A_trigger_whose_hand_over_cannot_be_written_is_answered_503_while_the_lock_is_held_and_the_next_fires_once()
    {
        var tenant = Samples.NewTenant();
        var path = "/locked-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new JsonObject
        {
            ["type"] = "schedule", ["schedule"] = new JsonObject { ["everyHours"] = 1 },
        }, path));

        var answer = await HeldWriteLock.SendAsync(Backend.DataDirectory, Clock, () => TriggerAsync(tenant));

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.Body);
            Assert.That(answer.RetryAfter, Is.True, "Retry-After");
            Assert.That(answer.AnsweredWhileHeld, Is.True, "answered while the lock was still held, not after the connection's 30 s");
            Assert.That(answer.Body, Does.Contain("\"status\":503").And.Not.Contain("SQLite"), "a ProblemDetails without internals");
        });

        using (var next = await TriggerAsync(tenant))
        {
            var text = await next.Content.ReadAsStringAsync();
            Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), text);
            Assert.That(JsonNode.Parse(text)!["queued"]!.GetValue<int>(), Is.EqualTo(1), "the refused trigger kept nothing that stops the interval firing");
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 1);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }), "one run record");
        Assert.That(ReceivedAt("/api/v2" + path), Has.Count.EqualTo(1));
    }

    private Task<HttpResponseMessage> TriggerAsync(string tenant)
        => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);
}
