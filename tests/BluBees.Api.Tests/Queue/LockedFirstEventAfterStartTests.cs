using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// As <see cref="LockedQueueAcceptTests"/>, for a tenant's FIRST event after a start: the process does not know the
/// tenant yet, and before the accept reached the queue (whose wait is bounded) the ingress made sure of the tenant's
/// record and directory entry with two unconditional writes to the store, each waiting for SQLite's write lock up to
/// the command timeout (30 s): while another process held the lock the event was answered only after 30 to 60 s.
/// Now a tenant already stored is only read there, and the accept gives up at
/// <see cref="SqliteRunQueue.AcceptLockWait"/> with 503 and Retry-After, keeping nothing; the retry runs once.
/// </summary>
[NonParallelizable]
public sealed class LockedFirstEventAfterStartTests
{
    private string _dataDirectory = null!;

    [SetUp]
    public void Create() => _dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", Guid.NewGuid().ToString("N"));

    [TearDown]
    public void Delete()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    public async Task The_first_event_after_a_start_while_the_write_lock_is_held_is_answered_503_and_its_retry_runs_once()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var sink = await SlowSink.StartAsync();
        var settings = new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory };
        var tenant = Samples.NewTenant();
        await using (var before = await BackendHost.StartAsync(issuer, settings))
        {
            var connection = await before.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201);
            await before.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = "Sink",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = "/e/{{ issue.key }}",
                }),
            }, 201);
        }

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BackendHost.StartAsync(issuer, settings, s => s.AddSingleton<TimeProvider>(clock));
        var evt = Samples.Event("OPS-1", "first after the start");

        var (status, body, retryAfter, _) = await HeldWriteLock.SendAsync(_dataDirectory, clock,
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

        var runs = await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant))["items"]!.AsArray(), r => r.Count > 0 && sink.Count("/e/OPS-1") > 0);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r!["issueKey"]!.GetValue<string>()), Is.EquivalentTo(new[] { "OPS-1" }), "one run record");
            Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()), Is.All.EqualTo("succeeded"), runs.ToJsonString());
            Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled"));
        });
    }

    /// <summary>
    /// A filtered event's trace is written before its answer, best effort: while another process held the write lock
    /// the write waited the store's command timeout (30 s) and only then was the event answered. Now the write gives
    /// up within the accept's bound and the event is answered <c>filtered</c> while the lock is still held.
    /// </summary>
    [Test]
    public async Task A_filtered_event_while_the_write_lock_is_held_is_answered_filtered_while_it_is_still_held()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var sink = await SlowSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory }, s => s.AddSingleton<TimeProvider>(clock));
        var tenant = Samples.NewTenant();
        var connection = await host.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201);
        await host.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        using (var first = await host.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("ZZZ-0", "Other project")))
        {
            Assert.That(JsonNode.Parse(await first.Content.ReadAsStringAsync())?["status"]?.GetValue<string>(), Is.EqualTo("filtered"), "the tenant is known before the lock");
        }

        var answer = await HeldWriteLock.SendAsync(_dataDirectory, clock,
            () => host.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("ZZZ-1", "Other project")));
        var answeredWhileHeld = answer.AnsweredWhileHeld;
        var status = JsonNode.Parse(answer.Body)?["status"]?.GetValue<string>();

        Assert.Multiple(() =>
        {
            Assert.That(answeredWhileHeld, Is.True, "answered while the lock was still held");
            Assert.That(status, Is.EqualTo("filtered"));
            Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled"));
        });
    }
}
