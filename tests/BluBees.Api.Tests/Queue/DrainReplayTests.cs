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
public sealed class DrainReplayTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(150);
    private string _dataDirectory = null!;

    [SetUp]
    public void CreateDataDirectory()
        => _dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", "drain-replay-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteDataDirectory()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    public async Task After_a_drain_cut_off_the_second_rule_the_restart_runs_only_that_rule_again()
    {
        // The first call answers at once; the second hangs until released (the rules run one after the other, in an
        // order this test does not need to know).
        var calls = new ConcurrentQueue<string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await LoopbackServer.StartAsync(async context =>
        {
            calls.Enqueue(context.Request.Path.Value ?? string.Empty);
            if (calls.Count == 2)
            {
                try
                {
                    await release.Task.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.WriteAsync("{}");
        });
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1" };
        var tenant = Samples.NewTenant();

        await using (var first = await BackendProcess.StartAsync(_dataDirectory, settings))
        {
            var connection = (await first.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(api.Address, "t0ken")))["id"]!.GetValue<string>();
            foreach (var name in (string[])["alpha", "beta"])
            {
                await first.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
                {
                    ["name"] = name,
                    ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                    ["steps"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection, ["method"] = "POST", ["path"] = "/" + name }),
                });
            }

            using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-5", "deploy")))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            await Waits.UntilAsync(() => Task.FromResult(calls.Count), n => n >= 2, Generous);
            await first.TerminateAsync();
            using var exit = new CancellationTokenSource(Generous);
            await first.WaitForExitAsync(exit.Token);
        }

        var finished = calls.First();
        var cutOff = calls.Skip(1).First();
        release.TrySetResult();
        await using var second = await BackendProcess.StartAsync(_dataDirectory, settings);
        var runs = await Waits.UntilAsync(
            async () => (await second.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(),
            r => r.Count == 2 && r.All(x => x!["status"]!.GetValue<string>() == "succeeded"), Generous);
        Assert.Multiple(() =>
        {
            Assert.That(runs, Has.Count.EqualTo(2), "one record per rule");
            Assert.That(calls.Count(c => c == cutOff), Is.EqualTo(2), "the rule the drain cut off ran again");
            Assert.That(calls.Count(c => c == finished), Is.EqualTo(1), "the rule that had finished did not run again");
        });
    }
}
