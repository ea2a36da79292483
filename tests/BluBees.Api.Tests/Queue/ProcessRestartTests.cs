using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The fault injection that found the lost events, as a test: the real backend as a child process, slow runs queued,
/// then <c>kill -9</c> or <c>kill -TERM</c>, then a restart on the same data directory. Every accepted event reaches
/// the loopback third party at least once and leaves exactly one run record; a redelivery of an event that had not
/// finished is not answered "duplicate". Bounds are generous; nothing is timed.
/// </summary>
[NonParallelizable]
public sealed class ProcessRestartTests() : ChildProcessTests("process")
{
    [Test]
    public async Task After_kill_9_every_accepted_event_runs_and_leaves_exactly_one_record()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.Delay = TimeSpan.FromMilliseconds(700);
        sink.HangMarker = "/e/OPS-99";
        var settings = new Dictionary<string, string> { ["Runs__WorkerConcurrency"] = "2", ["Runs__PerTenantConcurrency"] = "2" };
        var tenant = Samples.NewTenant();
        var keys = Enumerable.Range(1, 10).Select(i => $"OPS-{i}").Append("OPS-99").ToList();
        var events = keys.ToDictionary(k => k, k => Samples.Event(k, "crash " + k));

        await using (var first = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            await CreateRuleAsync(first, tenant, sink.Address);
            // The hanging one first, so it is in flight when the process dies.
            foreach (var key in keys.OrderBy(k => k == "OPS-99" ? 0 : 1))
            {
                Assert.That(await StatusAsync(first, tenant, events[key]), Is.EqualTo((HttpStatusCode.Accepted, "accepted")), key);
            }

            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-99")), n => n > 0, Generous);
            await first.KillAsync();
        }

        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-99")), n => n > 1, Generous);
        var redelivery = await StatusAsync(second, tenant, events["OPS-99"].DeepClone());
        Assert.That(redelivery, Is.EqualTo((HttpStatusCode.Accepted, "queued")), "not finished: still queued, and not answered duplicate");
        sink.ReleaseHung();

        var runs = await Waits.UntilAsync(() => RunsAsync(second, tenant), r => r.Count >= keys.Count && keys.All(k => sink.Count($"/e/{k}") > 0), Generous);
        Assert.Multiple(async () =>
        {
            Assert.That(keys.Where(k => sink.Count($"/e/{k}") == 0), Is.Empty, "every accepted event reached the third party");
            Assert.That(runs.Select(r => r!["issueKey"]!.GetValue<string>()).Order(), Is.EqualTo(keys.Order()), "exactly one run record per event");
            Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()), Is.All.EqualTo("succeeded"));
            Assert.That(await StatusAsync(second, tenant, events["OPS-1"].DeepClone()), Is.EqualTo((HttpStatusCode.OK, "duplicate")), "finished: a duplicate now");
        });
    }

    [Test]
    public async Task After_SIGTERM_the_backend_refuses_new_work_drains_and_the_rest_runs_after_restart()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.Delay = TimeSpan.FromSeconds(2);
        // The first run hangs until the refused request has been checked: the drain waits for it, so the server still
        // listens. (With a timed delay only, a loaded machine could finish the drain and stop listening first.)
        sink.HangMarker = "/e/OPS-1";
        var settings = new Dictionary<string, string> { ["Runs__WorkerConcurrency"] = "1", ["Runs__PerTenantConcurrency"] = "1", ["Runs__DrainSeconds"] = "30" };
        var tenant = Samples.NewTenant();
        var keys = Enumerable.Range(1, 6).Select(i => $"OPS-{i}").ToList();
        var late = Samples.Event("OPS-50", "after SIGTERM");

        await using (var first = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            await CreateRuleAsync(first, tenant, sink.Address);
            foreach (var key in keys)
            {
                Assert.That(await StatusAsync(first, tenant, Samples.Event(key, "term " + key)), Is.EqualTo((HttpStatusCode.Accepted, "accepted")));
            }

            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-1")), n => n > 0, Generous);
            await first.TerminateAsync();
            using (var refused = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, late))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "draining: nothing new is accepted");
                Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
                Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            }

            // The readiness probe says so too: a balancer stops sending work to a draining backend.
            using (var ready = await first.GetAnonymousAsync("/ready"))
            {
                Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "draining: not ready");
                Assert.That(ready.Headers.RetryAfter, Is.Not.Null);
                Assert.That(await ready.Content.ReadAsStringAsync(), Is.EqualTo("{\"status\":\"draining\"}"), "no internals");
            }

            sink.ReleaseHung();

            using var exit = new CancellationTokenSource(Generous);
            await first.WaitForExitAsync(exit.Token);
        }

        Assert.That(keys.Count(k => sink.Count($"/e/{k}") > 0), Is.LessThan(keys.Count), "the drain left work durable (one worker, slow runs)");
        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        Assert.That(await StatusAsync(second, tenant, late.DeepClone()), Is.EqualTo((HttpStatusCode.Accepted, "accepted")), "the refused event was not remembered");
        var all = keys.Append("OPS-50").ToList();
        var runs = await Waits.UntilAsync(() => RunsAsync(second, tenant), r => r.Count >= all.Count, Generous);
        Assert.Multiple(() =>
        {
            Assert.That(all.Where(k => sink.Count($"/e/{k}") == 0), Is.Empty, "every accepted event reached the third party");
            Assert.That(runs.Select(r => r!["issueKey"]!.GetValue<string>()).Order(), Is.EqualTo(all.Order()), "exactly one run record per event");
        });
    }

    internal static async Task CreateRuleAsync(BackendProcess backend, string tenant, Uri sink)
    {
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink, "t0ken"));
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Slow sink",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = "/e/{{ issue.key }}",
            }),
        });
    }

    private static async Task<(HttpStatusCode, string?)> StatusAsync(BackendProcess backend, string tenant, JsonNode evt)
    {
        using var response = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body?["status"]?.GetValue<string>());
    }

    private static async Task<IReadOnlyList<JsonNode?>> RunsAsync(BackendProcess backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant))["items"]!.AsArray()];
}
