using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A drain (SIGTERM: a deploy or a shutdown) is not a failed delivery. One event, two rules run one after the other; the
/// second rule's third party is slow, and each of several deploys in a row cuts it off at the drain deadline. Before,
/// each drain used one of <c>Runs:MaxAttempts</c> (the delivery counted at the claim stood), so after that many deploys
/// the message ended <c>delivery_exhausted</c> although nothing had ever failed. Now the drain gives the delivery back
/// and counts itself apart (<c>Runs:MaxDrains</c>, its own bound: <c>DrainReplayTests</c>), and each claim after a drain
/// is still a replay: the rule that finished before the first drain does not run (send its call) again.
/// Real backend processes over one data directory, a real loopback third party.
/// </summary>
[NonParallelizable]
public sealed class DrainAttemptTests() : ChildProcessTests("drain-attempts")
{
    [Test]
    public async Task More_drains_than_deliveries_allowed_still_run_the_event_once_to_its_end()
    {
        await using var api = await SlowSecondRuleApi.StartAsync();
        var tenant = Samples.NewTenant();
        // One delivery allowed, three deploys cut the run off: before, the first restart recorded it delivery_exhausted.
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1", ["Runs__MaxAttempts"] = "1" };
        const int Drains = 3;
        for (var deploy = 1; deploy <= Drains; deploy++)
        {
            await using var backend = await BackendProcess.StartAsync(DataDirectory, settings);
            if (deploy == 1)
            {
                await CreateRulesAsync(backend, tenant, api.Address);
                using var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "deploys"));
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            var (cutOffCalls, exhausted) = await Waits.UntilAsync(
                async () => (api.CutOffCalls, (await RunsAsync(backend, tenant)).Count(r => (string?)r!["errorCategory"] == "delivery_exhausted")),
                s => s.CutOffCalls >= deploy || s.Item2 > 0, Generous);
            Assert.That((cutOffCalls, exhausted), Is.EqualTo((deploy, 0)), $"deploy {deploy}: the slow rule runs (again) and hangs; the event is not given up");
            await backend.TerminateAsync(); // the drain cuts the slow rule off
            using var exit = new CancellationTokenSource(Generous);
            await backend.WaitForExitAsync(exit.Token);
        }

        api.Release();
        await using var last = await BackendProcess.StartAsync(DataDirectory, settings);
        var final = await Waits.UntilAsync(
            () => RunsAsync(last, tenant), r => r.Count == 2 && r.All(x => (string?)x!["status"] is "succeeded" || (string?)x!["errorCategory"] == "delivery_exhausted"), Generous);
        Assert.Multiple(() =>
        {
            Assert.That(final.Select(r => $"{r!["status"]} {r["errorCategory"]}".Trim()), Is.EqualTo(new[] { "succeeded", "succeeded" }),
                "one record per rule, each the outcome of its run, after more drains than Runs:MaxAttempts");
            Assert.That(api.Count(api.Finished), Is.EqualTo(1), "the rule that finished before the first drain never ran again");
            Assert.That(api.CutOffCalls, Is.EqualTo(Drains + 1), "the slow rule ran once per start until it finished");
        });
    }

    private static async Task CreateRulesAsync(BackendProcess backend, string tenant, Uri api)
    {
        var connection = (await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(api, "t0ken")))["id"]!.GetValue<string>();
        foreach (var name in (string[])["alpha", "beta"])
        {
            await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = name,
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/" + name }),
            });
        }
    }

    private static async Task<IReadOnlyList<JsonNode?>> RunsAsync(BackendProcess backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray()];

    /// <summary>
    /// A third party that answers the first rule's call at once and holds every call of the other rule (the second to
    /// call) until <see cref="Release"/> or until the caller gives up (the drain). Paths end in the rule's name.
    /// </summary>
    private sealed class SlowSecondRuleApi : IAsyncDisposable
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<string> _calls = new();
        private LoopbackServer _server = null!;

        public Uri Address => _server.Address;

        /// <summary>The rule whose call came first (it finished before the first drain).</summary>
        public string Finished => Name(_calls.First());

        private string? CutOff => _calls.Skip(1).Select(Name).FirstOrDefault();

        public int CutOffCalls => CutOff is { } cutOff ? Count(cutOff) : 0;

        public static async Task<SlowSecondRuleApi> StartAsync()
        {
            var api = new SlowSecondRuleApi();
            api._server = await LoopbackServer.StartAsync(api.HandleAsync);
            return api;
        }

        public int Count(string name) => _calls.Count(c => Name(c) == name);

        public void Release() => _release.TrySetResult();

        private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

        private async Task HandleAsync(HttpContext context)
        {
            var path = context.Request.Path.Value ?? string.Empty;
            _calls.Enqueue(path);
            if (Name(path) == CutOff)
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
