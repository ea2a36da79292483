using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// One event, two rules, run one after the other. A deploy (SIGTERM) whose drain deadline cuts off the second rule gives
/// the message back with both records: the first rule had finished. On the next start the message runs again — only
/// the rule that was cut off may run again; the finished one must not send its calls (or post its Jira comment) twice.
/// </summary>
[NonParallelizable]
public sealed partial class DrainReplayTests() : ChildProcessTests("drain-replay")
{
    [Test]
    public async Task After_a_drain_cut_off_the_second_rule_the_restart_runs_only_that_rule_again(
        [Values(false, true)] bool recordByLaterBuild)
    {
        await using var api = await TwoCallsApi.StartAsync();
        var tenant = Samples.NewTenant();
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1" };
        var (finished, cutOff) = await DrainMidEventAsync(api, tenant, settings);
        if (recordByLaterBuild)
        {
            // Then a rollback (DrainReplayTests.LaterBuild.cs): before, the strict read of the finished rule's record threw,
            // the replay check took it for "not finished", and the rule ran (and sent its call) again.
            await AsLaterBuildWroteAsync(tenant, "RUN#", RuleIds[NameOf(finished)]);
        }

        api.Release();
        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        var runs = await Waits.UntilAsync(
            () => RunsAsync(second, tenant), r => r.Count == 2 && r.All(x => x!["status"]!.GetValue<string>() == "succeeded"), Generous);
        Assert.Multiple(() =>
        {
            Assert.That(runs, Has.Count.EqualTo(2), "one record per rule");
            Assert.That(api.Calls.Count(c => c == cutOff), Is.EqualTo(2), "the rule the drain cut off ran again");
            Assert.That(api.Calls.Count(c => c == finished), Is.EqualTo(1), "the rule that had finished did not run again");
        });
    }

    [Test]
    public async Task A_message_exhausted_after_a_drain_keeps_the_record_of_the_rule_that_had_finished(
        [Values(false, true)] bool recordByLaterBuild)
    {
        await using var api = await TwoCallsApi.StartAsync();
        var tenant = Samples.NewTenant();
        // One drain only (a drain is no delivery, but bounded on its own): the message the drain gave back is exhausted
        // when it is claimed again.
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1", ["Runs__MaxDrains"] = "1" };
        var (finished, cutOff) = await DrainMidEventAsync(api, tenant, settings);
        if (recordByLaterBuild)
        {
            // Before, the same strict read made the exhausted message overwrite the finished rule's record with delivery_exhausted.
            await AsLaterBuildWroteAsync(tenant, "RUN#", RuleIds[NameOf(finished)]);
        }

        api.Release();
        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        var byRule = await ExhaustedRunsAsync(second, tenant);
        Assert.Multiple(() =>
        {
            Assert.That(byRule[RuleIds[NameOf(finished)]], Is.EqualTo("succeeded"), "the rule ran and finished: its record says so");
            Assert.That(byRule[RuleIds[NameOf(cutOff)]], Is.EqualTo("failed delivery_exhausted"));
            Assert.That(api.Calls, Has.Count.EqualTo(2), "nothing ran again");
        });
    }

    private Dictionary<string, string> RuleIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Two rules on one event; SIGTERM while the second one's call hangs; the backend exits after its drain.</summary>
    private async Task<(string Finished, string CutOff)> DrainMidEventAsync(TwoCallsApi api, string tenant, Dictionary<string, string> settings)
    {
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
                RuleIds[name] = rule["id"]!.GetValue<string>();
            }

            using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-5", "deploy")))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            await Waits.UntilAsync(() => Task.FromResult(api.Calls.Count), n => n >= 2, Generous);
            await first.TerminateAsync();
            using var exit = new CancellationTokenSource(Generous);
            await first.WaitForExitAsync(exit.Token);
        }

        return (api.Calls.First(), api.Calls.Skip(1).First());
    }

    private static async Task<IReadOnlyList<JsonNode?>> RunsAsync(BackendProcess backend, string tenant)
        => [.. (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray()];

    /// <summary>A third party whose first call answers at once and whose second hangs until <see cref="Release"/>.</summary>
    private sealed class TwoCallsApi : IAsyncDisposable
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private LoopbackServer _server = null!;

        public ConcurrentQueue<string> Calls { get; } = new();
        public Uri Address => _server.Address;

        public static async Task<TwoCallsApi> StartAsync()
        {
            var api = new TwoCallsApi();
            api._server = await LoopbackServer.StartAsync(api.HandleAsync);
            return api;
        }

        public void Release() => _release.TrySetResult();

        private async Task HandleAsync(HttpContext context)
        {
            Calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            if (Calls.Count == 2)
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

        public async ValueTask DisposeAsync()
        {
            Release();
            await _server.DisposeAsync();
        }
    }
}
