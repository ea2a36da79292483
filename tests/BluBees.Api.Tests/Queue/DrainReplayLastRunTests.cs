using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A drain gives an event back with the record of the rule that had finished; on the next start the event runs again,
/// keeping that record. Meanwhile a newer event of the same rule runs and finishes. The replayed event must not write
/// the kept record again: that also set the rule's last run (the rule list's <c>lastRun</c>) back to the older run.
/// </summary>
[NonParallelizable]
public sealed class DrainReplayLastRunTests() : ChildProcessTests("drain-replay-last-run")
{
    [Test]
    public async Task A_replayed_event_leaves_the_rules_last_run_at_the_newer_event()
    {
        await using var api = await HoldingApi.StartAsync();
        var tenant = Samples.NewTenant();
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1" };
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var first = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            var connection = (await first.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(api.Address, "t0ken")))["id"]!.GetValue<string>();
            foreach (var name in (string[])["alpha", "beta"])
            {
                var rule = await first.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
                {
                    ["name"] = name,
                    ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                    ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/" + name }),
                });
                ids[name] = rule["id"]!.GetValue<string>();
            }

            using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-5", "older")))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            // The rules run one after the other (in the order of their ids): the first one's call finishes, the second's hangs.
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(api.Total), n => n == 2, Generous), Is.EqualTo(2), "the first rule finished, the second hangs");
            await first.TerminateAsync();
            using var exit = new CancellationTokenSource(Generous);
            await first.WaitForExitAsync(exit.Token);
        }

        var finished = ids[api.Finished];
        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(api.CutOffCalls), n => n == 2, Generous), Is.EqualTo(2), "the older event runs again: the rule cut off hangs again");
        using (var accepted = await second.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-6", "newer")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var newer = await Waits.UntilAsync(
            async () => (await RunsAsync(second, tenant)).Where(r => (string?)r!["issueKey"] == "OPS-6" && (string?)r["status"] == "succeeded").ToList(),
            r => r.Count == 2, Generous);
        Assert.That(newer, Has.Count.EqualTo(2), "the newer event ran both rules while the older one hung");
        var newerFinished = (string?)newer.Single(r => (string?)r!["ruleId"] == finished)!["id"];
        api.Release();
        var runs = await Waits.UntilAsync(() => RunsAsync(second, tenant), r => r.Count == 4 && r.All(x => (string?)x!["status"] == "succeeded"), Generous);
        var rules = (await second.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(runs, Has.Count.EqualTo(4), "two events, two rules, one record each");
            Assert.That(api.Count(api.Finished), Is.EqualTo(2), "the rule the older event finished before the drain did not run again for it");
            Assert.That((string?)rules.Single(r => (string?)r!["id"] == finished)!["lastRun"]?["id"], Is.EqualTo(newerFinished), "its last run is the newer event's");
        });
    }

    /// <summary>
    /// As above, and the replayed event is cut off by a drain once more, so that its next claim is past
    /// <c>Runs:MaxDrains</c>: exhausted, it keeps the finished rule's record and records the other rule
    /// <c>delivery_exhausted</c>. Keeping the record must not write it again either: that set the finished rule's last
    /// run back to the older event's, after the newer event's run.
    /// </summary>
    [Test]
    public async Task An_exhausted_event_leaves_the_rules_last_run_at_the_newer_event()
    {
        await using var api = await HoldingApi.StartAsync();
        var tenant = Samples.NewTenant();
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1", ["Runs__MaxDrains"] = "2" };
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var first = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            var connection = (await first.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(api.Address, "t0ken")))["id"]!.GetValue<string>();
            foreach (var name in (string[])["alpha", "beta"])
            {
                var rule = await first.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
                {
                    ["name"] = name,
                    ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                    ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/" + name }),
                });
                ids[name] = rule["id"]!.GetValue<string>();
            }

            using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-5", "older")))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            Assert.That(await Waits.UntilAsync(() => Task.FromResult(api.Total), n => n == 2, Generous), Is.EqualTo(2), "the first rule finished, the second hangs");
            await StopAsync(first);
        }

        var finished = ids[api.Finished];
        string? newerFinished;
        await using (var second = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            // Its second delivery: the rule cut off hangs again; the newer event runs both rules meanwhile.
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(api.CutOffCalls), n => n == 2, Generous), Is.EqualTo(2), "the older event runs again: the rule cut off hangs again");
            using (var accepted = await second.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-6", "newer")))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            var newer = await Waits.UntilAsync(
                async () => (await RunsAsync(second, tenant)).Where(r => (string?)r!["issueKey"] == "OPS-6" && (string?)r["status"] == "succeeded").ToList(),
                r => r.Count == 2, Generous);
            Assert.That(newer, Has.Count.EqualTo(2), "the newer event ran both rules while the older one hung");
            newerFinished = (string?)newer.Single(r => (string?)r!["ruleId"] == finished)!["id"];
            await StopAsync(second); // the drain cuts the older event off again
        }

        // Its third claim is past Runs:MaxDrains: exhausted.
        await using var third = await BackendProcess.StartAsync(DataDirectory, settings);
        var older = await Waits.UntilAsync(
            async () => (await RunsAsync(third, tenant)).Where(r => (string?)r!["issueKey"] == "OPS-5").ToList(),
            r => r.Count == 2 && r.All(x => (string?)x!["status"] != "failed" || (string?)x["errorCategory"] == "delivery_exhausted"), Generous);
        var rules = (await third.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(older.Select(r => ((string?)r!["ruleId"], (string?)r["status"], (string?)r["errorCategory"])).OrderBy(r => r.Item1 == finished ? 0 : 1),
                Is.EqualTo(new[] { ((string?)finished, (string?)"succeeded", (string?)null), (ids.Values.Single(v => v != finished), "failed", "delivery_exhausted") }),
                "the finished rule keeps its record; the rule cut off twice is delivery_exhausted");
            Assert.That(api.Count(api.Finished), Is.EqualTo(2), "the finished rule ran once per event");
            Assert.That((string?)rules.Single(r => (string?)r!["id"] == finished)!["lastRun"]?["id"], Is.EqualTo(newerFinished), "its last run is the newer event's");
        });
    }

    private static async Task StopAsync(BackendProcess backend)
    {
        await backend.TerminateAsync();
        using var exit = new CancellationTokenSource(Generous);
        await backend.WaitForExitAsync(exit.Token);
    }

    private static async Task<IReadOnlyList<JsonNode?>> RunsAsync(BackendProcess backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray()];

    /// <summary>
    /// A third party whose second call hangs until aborted (the drain), and whose next call on that path (the replay of the
    /// rule cut off) hangs until <see cref="Release"/>; the rest answer at once. Paths end in the rule's name.
    /// </summary>
    private sealed class HoldingApi : IAsyncDisposable
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<string> _calls = new();
        private LoopbackServer _server = null!;

        public Uri Address => _server.Address;

        public int Total => _calls.Count;

        /// <summary>The name of the rule whose call came first (it finished before the drain).</summary>
        public string Finished => Name(_calls.First());

        private string CutOff => Name(_calls.Skip(1).First());

        public int CutOffCalls => _calls.Count >= 2 ? Count(CutOff) : 0;

        public static async Task<HoldingApi> StartAsync()
        {
            var api = new HoldingApi();
            api._server = await LoopbackServer.StartAsync(api.HandleAsync);
            return api;
        }

        public int Count(string name) => _calls.Count(c => Name(c) == name);

        public void Release() => _release.TrySetResult();

        private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

        private async Task HandleAsync(HttpContext context)
        {
            _calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            var calls = _calls.Count;
            if (calls == 2 || calls > 2 && Name(context.Request.Path.Value ?? string.Empty) == CutOff && Count(CutOff) == 2)
            {
                try
                {
                    await _release.Task.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.WriteAsync("{}");
        }

        public ValueTask DisposeAsync()
        {
            _release.TrySetResult();
            return _server.DisposeAsync();
        }
    }
}
