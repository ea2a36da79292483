using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A poison message that takes the whole process down every time it runs (here: <c>kill -9</c> while its step is in
/// flight, as an OOM kill would) is bounded by <c>Runs:MaxAttempts</c> across restarts: each delivery is counted in
/// the claim's (or the hand-off's) commit before the run starts, so after its attempts the next start records it
/// <c>delivery_exhausted</c> without running it again, once, and a redelivery of the event is a duplicate.
/// </summary>
[NonParallelizable]
public sealed class CrashLoopTests() : ChildProcessTests("crashloop")
{
    [Test]
    public async Task A_message_that_kills_the_process_each_time_ends_as_one_exhausted_record_after_its_attempts()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "/e/OPS-66";
        var settings = new Dictionary<string, string> { ["Runs__MaxAttempts"] = "2" };
        var tenant = Samples.NewTenant();
        var poison = Samples.Event("OPS-66", "poison");

        for (var delivery = 1; delivery <= 2; delivery++)
        {
            await using var backend = await BackendProcess.StartAsync(DataDirectory, settings);
            if (delivery == 1)
            {
                await ProcessRestartTests.CreateRuleAsync(backend, tenant, sink.Address);
                Assert.That(await StatusAsync(backend, tenant, poison.DeepClone()), Is.EqualTo((HttpStatusCode.Accepted, "accepted")));
            }

            var seen = await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-66")), n => n >= delivery, Generous);
            Assert.That(seen, Is.EqualTo(delivery), $"delivery {delivery} reached the step");
            await backend.KillAsync();
        }

        await using var last = await BackendProcess.StartAsync(DataDirectory, settings);
        var innocent = Samples.Event("OPS-67", "innocent");
        Assert.That(await StatusAsync(last, tenant, innocent), Is.EqualTo((HttpStatusCode.Accepted, "accepted")));
        var runs = await Waits.UntilAsync(() => RunsAsync(last, tenant), r => r.Count >= 2, Generous);
        sink.ReleaseHung();

        Assert.Multiple(async () =>
        {
            Assert.That(
                runs.Select(r => (r!["issueKey"]?.GetValue<string>(), r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())).OrderBy(r => r.Item1),
                Is.EqualTo(new[] { ((string?)"OPS-66", "failed", (string?)"delivery_exhausted"), ("OPS-67", "succeeded", null) }),
                "one record per event: the poison one exhausted, the other run");
            Assert.That(sink.Count("/e/OPS-66"), Is.EqualTo(2), "not run a third time");
            Assert.That(await StatusAsync(last, tenant, poison.DeepClone()), Is.EqualTo((HttpStatusCode.OK, "duplicate")), "its marker is finished");
        });
    }

    /// <summary>
    /// The poison message's batch-mate: leased at the same moment (the first kill), it is a suspect on the next start
    /// like the poison one, and each suspect runs alone. The poison one's later crashes cost only its own deliveries:
    /// before, every restart claimed both again, each crash counted a delivery of the innocent event too, and after
    /// <c>Runs:MaxAttempts</c> it ended <c>delivery_exhausted</c> although its step never got to finish.
    /// </summary>
    [Test]
    public async Task A_message_that_kills_the_process_costs_its_batch_mate_one_delivery_at_most()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "/e/OPS-68";
        // The innocent step is slow: still in flight whenever the poison one has reached the sink and the process is killed.
        sink.Delay = TimeSpan.FromSeconds(8);
        var settings = new Dictionary<string, string> { ["Runs__MaxAttempts"] = "2" };
        var tenant = Samples.NewTenant();
        var poison = Samples.Event("OPS-68", "poison");
        var innocent = Samples.Event("OPS-69", "innocent");

        for (var delivery = 1; delivery <= 2; delivery++)
        {
            await using var backend = await BackendProcess.StartAsync(DataDirectory, settings);
            if (delivery == 1)
            {
                await ProcessRestartTests.CreateRuleAsync(backend, tenant, sink.Address);
                Assert.That(await StatusAsync(backend, tenant, poison.DeepClone()), Is.EqualTo((HttpStatusCode.Accepted, "accepted")));
                Assert.That(await StatusAsync(backend, tenant, innocent.DeepClone()), Is.EqualTo((HttpStatusCode.Accepted, "accepted")));
                Assert.That(await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-69")), n => n > 0, Generous), Is.EqualTo(1), "both in flight at the first kill");
            }

            var seen = await Waits.UntilAsync(() => Task.FromResult(sink.Count("/e/OPS-68")), n => n >= delivery, Generous);
            Assert.That(seen, Is.EqualTo(delivery), $"delivery {delivery} of the poison event reached the step");
            await backend.KillAsync();
        }

        await using var last = await BackendProcess.StartAsync(DataDirectory, settings);
        var runs = await Waits.UntilAsync(() => RunsAsync(last, tenant), r => r.Count >= 2, Generous);

        Assert.Multiple(() =>
        {
            Assert.That(
                runs.Select(r => (r!["issueKey"]?.GetValue<string>(), r["status"]!.GetValue<string>(), r["errorCategory"]?.GetValue<string>())).OrderBy(r => r.Item1),
                Is.EqualTo(new[] { ((string?)"OPS-68", "failed", (string?)"delivery_exhausted"), ("OPS-69", "succeeded", null) }),
                "the poison event exhausted, the innocent one run to its end; nothing else");
            Assert.That(sink.Count("/e/OPS-68"), Is.EqualTo(2), "the poison step not run a third time");
            Assert.That(sink.Count("/e/OPS-69"), Is.EqualTo(2), "killed once with the poison one, then run to its end (alone)");
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
