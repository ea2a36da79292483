using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// While a tenant's queue share stays full, each scheduled delivery fires what the freed room allows, and every due
/// rule of the tenant gets its turn. Before, each delivery walked the rules in the same order and stopped at the first
/// refused hand-over, so the first rule with work left took every freed slot, tick after tick, and the rules after it
/// never fired. The share is filled by the tenant's own schedule runs, held one at a time by a one-worker backend (a
/// held third party) and freed one at a time: counting, not timing.
/// </summary>
public sealed class ScheduleTurnTests : CronTickHarness
{
    protected override IDictionary<string, string?>? BackendSettings => new Dictionary<string, string?>
    {
        ["Runs:QueueCapacity"] = "8",
        ["Runs:WorkerConcurrency"] = "1",
        ["Runs:PerTenantConcurrency"] = "1",
        ["Egress:ResponseHeadersTimeout"] = "00:05:00", // the held call outlives a slow machine's test
    };

    private async Task<HttpStatusCode> TriggerAsync(string tenant)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/scheduled", ForgeToken(tenant, "/forge/scheduled"), "{}", withUserToken: false);
        return response.StatusCode;
    }

    [Test]
    public async Task While_the_tenants_queue_share_stays_full_every_due_rule_gets_its_turn()
    {
        await using var sink = await GatedSink.StartAsync();
        var tenant = Samples.NewTenant();
        var connection = Samples.Connection(sink.Address, "t0ken");
        connection["resilience"] = new JsonObject { ["timeoutSeconds"] = 300, ["attemptTimeoutSeconds"] = 60, ["maxRetries"] = 0 };
        var connectionId = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, connection, 201))["id"]!.GetValue<string>();
        string[] paths = ["/turn-a", "/turn-b", "/turn-c"];
        foreach (var path in paths)
        {
            var rule = Rule(connectionId, Cron("*/5 * * * *"), path);
            rule["steps"]![0]!["timeoutSeconds"] = 60;
            await CreateRuleAsync(tenant, rule);
        }

        // Each rule now has 12 occurrences due: more than the tenant's share of the queue (capacity 8) holds.
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.That(await TriggerAsync(tenant), Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the first rule walked fills the tenant's share");
        Assert.That(await sink.WaitForArrivalsAsync(1), Is.EqualTo(1), "the worker holds the first run");

        for (var round = 1; round <= 3; round++)
        {
            sink.ReleaseOne();
            // The held run finished (its message is completed before the one worker takes the next): one slot is free.
            Assert.That(await sink.WaitForArrivalsAsync(round + 1), Is.EqualTo(round + 1), $"round {round}: the next run is held");
            Assert.That(await TriggerAsync(tenant), Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"round {round}: one run fits, then the share is full again");
        }

        sink.ReleaseAll();
        var hits = await Waits.UntilAsync(() => Task.FromResult(paths.Select(sink.Count).ToArray()), h => h.All(n => n > 0));
        Assert.That(hits, Has.All.GreaterThan(0), "every rule was queued at least once (runs per rule: " + string.Join(", ", hits) + ")");
    }

    /// <summary>A loopback third party that holds every request until released, one at a time or all.</summary>
    private sealed class GatedSink : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _gate = new(0);
        private int _arrivals;
        private volatile bool _open;
        private LoopbackServer? _server;

        public Uri Address => _server!.Address;

        public static async Task<GatedSink> StartAsync()
        {
            var sink = new GatedSink();
            sink._server = await LoopbackServer.StartAsync(sink.HandleAsync);
            return sink;
        }

        public int Count(string pathPart) => _hits.Where(h => h.Key.Contains(pathPart, StringComparison.Ordinal)).Sum(h => h.Value);

        public Task<int> WaitForArrivalsAsync(int count) => Waits.UntilAsync(() => Task.FromResult(Volatile.Read(ref _arrivals)), n => n >= count);

        public void ReleaseOne() => _gate.Release();

        public void ReleaseAll()
        {
            _open = true;
            _gate.Release(1000);
        }

        private async Task HandleAsync(HttpContext context)
        {
            _hits.AddOrUpdate(context.Request.Path.Value ?? string.Empty, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _arrivals);
            try
            {
                if (!_open)
                {
                    await _gate.WaitAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"ok":true}""");
        }

        public async ValueTask DisposeAsync()
        {
            ReleaseAll();
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            _gate.Dispose();
        }
    }
}
