using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The loop guard counts a rule's runs on one issue before the run's steps. A run killed mid-step runs again after the
/// restart (the same message, the same run id): that replay is the same run, not a second one, and must not be counted
/// again, or a crash turns an accepted event into a <c>loop_stopped</c> failure that never reaches its steps.
/// </summary>
[NonParallelizable]
public sealed class LoopGuardReplayTests() : ChildProcessTests("loop-replay")
{
    [Test]
    public async Task A_run_killed_mid_step_is_not_counted_twice_by_the_loop_guard_and_succeeds_after_the_restart()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "/e/OPS-7";
        await using var jira = await FakeJira.StartAsync();
        var systemToken = jira.SystemToken = "system-" + Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string>
        {
            ["Jira__ApiBaseUrlOverride"] = jira.Address.ToString(),
            // One run of the rule per issue and window: the event's own replay must still be allowed.
            ["Jira__LoopMaxRuns"] = "1",
            ["Jira__LoopWindowSeconds"] = "3600",
        };
        var headers = new Dictionary<string, string> { ["x-forge-oauth-system"] = systemToken };
        var tenant = Samples.NewTenant();
        var evt = Samples.Event("OPS-7", "killed mid step");

        await using (var first = await BackendProcess.StartAsync(DataDirectory, settings))
        {
            var connection = await first.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"));
            await first.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
            {
                ["name"] = "Call, then comment",
                ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
                ["steps"] = new JsonArray(
                    new JsonObject { ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = "/e/{{ issue.key }}" },
                    new JsonObject { ["id"] = "reply", ["type"] = "jira.comment", ["body"] = "Sent" }),
            });
            using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt, headers))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            // The run has passed the loop guard and is inside its first step when the process dies.
            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-7")), n => n > 0, Generous);
            await first.KillAsync();
        }

        sink.ReleaseHung();
        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        var runs = await Waits.UntilAsync(
            async () => (await second.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), r => r.Count > 0, Generous);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => $"{r!["status"]} {r["errorCategory"]}".Trim()), Is.EqualTo(new[] { "succeeded" }), "one record, and the replay was not taken for a loop");
            Assert.That(sink.Count("/e/OPS-7"), Is.EqualTo(2), "the replay ran its steps again (at least once)");
            Assert.That(jira.Actions.Count(a => a.Path.EndsWith("/comment", StringComparison.Ordinal)), Is.EqualTo(1), "the comment was posted");
        });
    }
}
