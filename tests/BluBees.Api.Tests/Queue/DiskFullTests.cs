using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The embedded store's disk fills up under the running backend (another writer's log, a backup on the same volume):
/// SQLite answers SQLITE_FULL. That is the store being down, not a bug: Forge's event and the admin's write get a 503
/// ProblemDetails with Retry-After (never a 500 with an unhandled-exception log), nothing of a refused event is kept,
/// and once space is back the redelivered events are accepted and every accepted event runs with one record. The
/// backend runs as a child process on a small tmpfs in a mount namespace of its own (root), so the machine's disk is
/// never filled.
/// </summary>
[NonParallelizable]
public sealed class DiskFullTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(150);

    [Test]
    public async Task With_the_disk_full_events_and_admin_writes_answer_503_and_every_accepted_event_runs_once_space_is_back()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", "diskfull-" + Guid.NewGuid().ToString("N"));
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "/e/OPS-"; // no run writes its record while the disk is full: only the ingress is under test
        await using var backend = await BackendProcess.StartAsync(dataDirectory, tmpfsMegabytes: 8);
        var tenant = Samples.NewTenant();
        await ProcessRestartTests.CreateRuleAsync(backend, tenant, sink.Address);

        var filler = backend.PathInside(Path.Combine(dataDirectory, "filler"));
        await FillAsync(filler);

        var accepted = new List<string>();
        var refused = new List<(string Key, JsonNode Event)>();
        for (var i = 1; i <= 40 && refused.Count < 3; i++)
        {
            var key = $"OPS-{i}";
            var evt = Samples.Event(key, "disk full " + new string('x', 20_000));
            using var response = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt.DeepClone());
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add(key);
                continue;
            }

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{key}: {body}");
                Assert.That(response.Headers.RetryAfter, Is.Not.Null, key);
                Assert.That(body, Does.Contain("\"status\":503"), "a ProblemDetails");
                Assert.That(body, Does.Not.Contain(dataDirectory).And.Not.Contain("SQLite"), "no internals");
            });
            refused.Add((key, evt));
        }

        Assert.That(refused, Is.Not.Empty, "the full disk refused some write");
        // An admin write is small: it may still fit in the WAL's free frames, so write until the store refuses one.
        HttpStatusCode adminStatus = HttpStatusCode.Created;
        for (var i = 0; i < 45 && adminStatus == HttpStatusCode.Created; i++)
        {
            using var admin = await backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = $"while full {i} " + new string('y', 80) });
            adminStatus = admin.StatusCode;
            if (adminStatus != HttpStatusCode.Created)
            {
                Assert.That(adminStatus, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await admin.Content.ReadAsStringAsync());
                Assert.That(admin.Headers.RetryAfter, Is.Not.Null);
            }
        }

        Assert.That(adminStatus, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the full disk refused an admin write");
        Assert.That(backend.Output, Does.Not.Contain("Unhandled"), "a full disk is not an internal error");
        using (var health = await backend.GetAnonymousAsync("/health"))
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "/health says the store cannot take writes");
            Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("{\"status\":\"unavailable\"}"), "no internals");
        }

        File.Delete(filler);
        using (var health = await backend.GetAnonymousAsync("/health"))
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "space is back");
        }

        foreach (var (key, evt) in refused)
        {
            using var redelivery = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
            Assert.That(redelivery.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), $"{key}: nothing of the refused event was kept");
            accepted.Add(key);
        }

        sink.ReleaseHung();
        var runs = await Waits.UntilAsync(
            async () => (await backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant))["items"]!.AsArray(),
            r => r.Count >= accepted.Count && r.All(x => x!["status"]!.GetValue<string>() != "running"),
            Generous);
        Assert.Multiple(() =>
        {
            Assert.That(accepted.Where(k => sink.Count($"/e/{k}") == 0), Is.Empty, "every accepted event reached the third party");
            Assert.That(runs.Select(r => r!["issueKey"]!.GetValue<string>()).Order(), Is.EqualTo(accepted.Order()), "exactly one run record per accepted event");
        });
    }

    /// <summary>Writes into the backend's tmpfs until it has no space left.</summary>
    private static async Task FillAsync(string path)
    {
        var block = new byte[64 * 1024];
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        try
        {
            while (true)
            {
                await file.WriteAsync(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the volume is full.
        }
    }
}
