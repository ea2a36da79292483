using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Cli;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Ingress;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// Events flowing into the real backend (a child process) while it is stopped over and over on the same data directory,
/// by <c>kill -9</c> or SIGTERM at a seeded random moment, with around it what an operator and the tenants do: the rule
/// the events match saved again, another tenant installed, sending events and uninstalled (the file rebuilt), and
/// <c>blubees keys rotate</c> (with <c>--retire</c> for one seed) run as its own process against the running backend.
/// A delivery whose answer was lost with the process is sent again after the restart, as Forge would. At the end every
/// event answered 2xx has exactly one run record, succeeded, and reached the third party; no record exists for an event
/// never accepted. Nothing is timed: the moments only vary where each stop lands.
/// </summary>
[NonParallelizable]
public sealed class RestartChaosTests() : ChildProcessTests("chaos")
{
    [TestCase(2)]
    [TestCase(3)]
    public async Task Every_accepted_event_leaves_one_record_across_kills_terminations_rotations_saves_and_uninstalls(int seed)
    {
        var random = new Random(seed);
        await using var sink = await SlowSink.StartAsync();
        sink.Delay = TimeSpan.FromMilliseconds(40);
        var settings = new Dictionary<string, string> { ["Runs__WorkerConcurrency"] = "4", ["Runs__PerTenantConcurrency"] = "4", ["Runs__DrainSeconds"] = "2" };
        var tenant = Samples.NewTenant();
        var accepted = new ConcurrentDictionary<string, bool>();
        var unknown = new ConcurrentDictionary<string, JsonNode>();
        var next = 0;
        string ruleId, connectionId;
        await using (var first = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            (ruleId, connectionId) = await CreateRuleAsync(first, tenant, sink.Address);
        }

        for (var cycle = 0; cycle < 5; cycle++)
        {
            var backend = await BackendProcess.StartAsync(DataDirectory, settings);
            await ResendUnknownAsync(backend, tenant, accepted, unknown);
            var other = Samples.NewTenant();
            await CreateRuleAsync(backend, other, sink.Address);
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(20);
                    var key = $"OPS-{Interlocked.Increment(ref next)}";
                    var evt = Samples.Event(key, "chaos " + key);
                    if (await TryAcceptAsync(backend, tenant, evt.DeepClone()) is { } answer && answer == HttpStatusCode.Accepted)
                    {
                        accepted[key] = true;
                    }
                    else
                    {
                        unknown[key] = evt; // refused, or its answer lost with the process: Forge sends it again
                    }
                }
            })).ToList();
            var chores = Task.Run(async () =>
            {
                try
                {
                    for (var i = 0; i < 3; i++)
                    {
                        await Task.Delay(random.Next(50, 300));
                        using var save = await backend.SendAsync(HttpMethod.Put, $"/api/rules/{ruleId}", tenant, RuleBody(connectionId, cycle * 10 + i));
                        using var others = await backend.SendAsync(HttpMethod.Post, "/forge/events", other, Samples.Event($"OPS-{90_000 + i}", "other"));
                    }

                    using var uninstall = await backend.SendAsync(HttpMethod.Post, "/forge/uninstall", other, LifecycleTests.PreUninstallBody(other));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // The process was stopped under the request.
                }
            });
            var rotate = cycle % 2 == 1
                ? Task.Run(async () =>
                {
                    await Task.Delay(random.Next(100, 900));
                    string[] args = ["keys", "rotate", "--data-dir", DataDirectory, .. (seed % 2 == 0 ? new[] { "--retire" } : [])];
                    var (code, output, _) = await CliProcess.RunAsync(new Dictionary<string, string> { ["Storage__DataDirectory"] = DataDirectory }, DataDirectory, args);
                    Assert.That(code, Is.Zero, output);
                })
                : Task.CompletedTask;

            await Task.Delay(random.Next(300, 2500));
            if (cycle % 2 == 0)
            {
                await backend.TerminateAsync();
                using var exit = new CancellationTokenSource(Generous);
                await backend.WaitForExitAsync(exit.Token);
            }
            else
            {
                await backend.KillAsync();
            }

            await stop.CancelAsync();
            await Task.WhenAll(load);
            await chores;
            await rotate;
            await backend.DisposeAsync();
        }

        await using var last = await BackendProcess.StartAsync(DataDirectory, settings);
        await ResendUnknownAsync(last, tenant, accepted, unknown);
        var runs = await Waits.UntilAsync(() => RunsAsync(last, tenant), r => r.Count >= accepted.Count, Generous);
        var byKey = runs.GroupBy(r => r!["issueKey"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Multiple(() =>
        {
            Assert.That(unknown, Is.Empty, "every delivery was answered 2xx in the end");
            Assert.That(accepted.Keys.Where(k => !byKey.ContainsKey(k)), Is.Empty, "accepted, without a record");
            Assert.That(byKey.Where(g => g.Value > 1).Select(g => g.Key), Is.Empty, "more than one record");
            Assert.That(byKey.Keys.Where(k => !accepted.ContainsKey(k)), Is.Empty, "a record of an event never accepted");
            Assert.That(runs.Select(r => r!["status"]!.GetValue<string>()).Distinct(), Is.EqualTo(new[] { "succeeded" }));
            Assert.That(accepted.Keys.Where(k => !sink.Hits.ContainsKey($"/api/v2/e/{k}")), Is.Empty, "every accepted event reached the third party");
        });
    }

    private static async Task ResendUnknownAsync(BackendProcess backend, string tenant, ConcurrentDictionary<string, bool> accepted, ConcurrentDictionary<string, JsonNode> unknown)
    {
        foreach (var (key, evt) in unknown.ToArray())
        {
            // 202 accepted or queued (the first delivery was kept), or 200 duplicate (it already ran).
            if (await TryAcceptAsync(backend, tenant, evt.DeepClone()) is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                accepted[key] = true;
                unknown.TryRemove(key, out _);
            }
        }
    }

    private static JsonObject RuleBody(string connectionId, int variant) => new()
    {
        ["name"] = "Chaos sink",
        ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
        ["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "call", ["type"] = "http", ["connection"] = connectionId, ["method"] = "POST", ["path"] = "/e/{{ issue.key }}",
            ["headers"] = new JsonObject { ["X-Variant"] = "v" + variant },
        }),
    };

    private static async Task<(string Rule, string Connection)> CreateRuleAsync(BackendProcess backend, string tenant, Uri sink)
    {
        var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink, "t0ken")))["id"]!.GetValue<string>();
        var rule = await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, RuleBody(connection, 0));
        return (rule["id"]!.GetValue<string>(), connection);
    }

    private static async Task<HttpStatusCode?> TryAcceptAsync(BackendProcess backend, string tenant, JsonNode evt)
    {
        try
        {
            using var response = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    private static async Task<IReadOnlyList<JsonNode?>> RunsAsync(BackendProcess backend, string tenant)
    {
        var all = new List<JsonNode?>();
        string? cursor = null;
        do
        {
            var page = await backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=200" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), tenant);
            all.AddRange(page["items"]!.AsArray().Select(n => n?.DeepClone()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return all;
    }
}
