using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The SQLite write lock held by another process (an operator's <c>sqlite3</c> shell, a backup tool) when Forge delivers
/// an event: the accept waits for the group-commit writer at most <see cref="SqliteRunQueue.AcceptLockWait"/> on the
/// injected clock, then is withdrawn — never written — and answered 503 with Retry-After; Forge's retry, once the lock is
/// free, is accepted as new (not "queued": nothing of the first delivery was kept) and runs once. Before, the accept
/// waited for the lock itself: a 202 once the lock came free (50 s was seen), or a 503 after 30 to 60 s.
/// </summary>
[NonParallelizable]
public sealed class LockedQueueAcceptTests
{
    [Test]
    public async Task An_event_whose_accept_cannot_get_the_write_lock_is_answered_503_keeps_nothing_and_its_retry_runs_once()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var sink = await SlowSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BackendHost.StartAsync(issuer, services: s => s.AddSingleton<TimeProvider>(clock));
        var tenant = Samples.NewTenant();
        var connection = await host.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201);
        await host.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Sink",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = "/e/{{ issue.key }}",
            }),
        }, 201);
        var evt = Samples.Event("OPS-1", "while locked");
        using (var first = await host.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-0", "before the lock")))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        // Its run recorded before the lock is taken: only the accept is under test.
        await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant))["items"]!.AsArray().Count, n => n > 0);

        var (status, body, retryAfter, _) = await HeldWriteLock.SendAsync(host.DataDirectory, clock,
            () => host.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt.DeepClone()));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(retryAfter, Is.True, "Retry-After");
            Assert.That(body, Does.Contain("\"status\":503").And.Not.Contain("SQLite").And.Not.Contain("lock"), "a ProblemDetails without internals");
        });

        using (var retry = await host.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt.DeepClone()))
        {
            Assert.That(JsonNode.Parse(await retry.Content.ReadAsStringAsync())?["status"]?.GetValue<string>(), Is.EqualTo("accepted"), "nothing of the refused delivery was kept");
        }

        var runs = await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant))["items"]!.AsArray(), r => r.Count > 1 && sink.Count("/e/OPS-1") > 0);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r!["issueKey"]!.GetValue<string>()), Is.EquivalentTo(new[] { "OPS-0", "OPS-1" }), "one run record each");
            Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()), Is.All.EqualTo("succeeded"), runs.ToJsonString());
            Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled"));
        });
    }
}
