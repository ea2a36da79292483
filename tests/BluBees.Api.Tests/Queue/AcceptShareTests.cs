using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// One tenant's flood of accepts cannot make another tenant's accept wait behind all of it. Every accept ends in the
/// queue's one group-commit writer, first come first served, and the queue's per-tenant share is read only when an
/// accept's turn has come: a tenant sending faster than the writer commits (or while it is held up) kept as many accepts
/// waiting there as it had requests open, and another tenant's event waited behind all of them, past Forge's 3 s and
/// into a 503. Now a tenant has at most <c>Runs:PerTenantAcceptsInFlight</c> accepts in flight; one more is answered 503
/// with Retry-After at once. The writer is held up for real (another connection holds the file's write lock) and the
/// injected clock stands still, so no accept's own wait runs out: every answer seen while the lock is held comes from
/// the share. Conditions, not timings.
/// </summary>
[NonParallelizable]
public sealed class AcceptShareTests
{
    private const int Share = 4;

    [Test]
    public async Task A_tenant_at_its_share_of_accepts_in_flight_is_refused_at_once_and_another_tenants_event_is_accepted_and_runs()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var sink = await SlowSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BackendHost.StartAsync(issuer,
            new Dictionary<string, string?> { ["Runs:PerTenantAcceptsInFlight"] = Share.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            s => s.AddSingleton<TimeProvider>(clock));
        var flooder = Samples.NewTenant();
        var quiet = Samples.NewTenant();
        foreach (var tenant in new[] { flooder, quiet })
        {
            await RuleAsync(host, tenant, sink.Address);
            // The tenant's record and data key exist before the lock: only the queue's accept is under test.
            using var first = await host.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-1", "before the lock"));
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", tenant))["items"]!.AsArray().Count, n => n == 1);
        }

        var ingress = host.Services.GetRequiredService<EventIngestor>();
        var tooMany = Samples.Event("OPS-200", "one too many");
        var flooderId = new TenantId(flooder);
        var quietId = new TenantId(quiet);

        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataDirectory, "blubees.db"), Pooling = false }.ToString());
        await other.OpenAsync();
        await ExecuteAsync(other, "BEGIN IMMEDIATE;");
        List<Task<HttpResponseMessage>> held;
        Task<HttpResponseMessage> quietAccept;
        try
        {
            held = [.. Enumerable.Range(100, Share).Select(i => host.SendAsync(HttpMethod.Post, "/forge/events", flooder, Samples.Event("OPS-" + i, "flood")))];
            await Waits.UntilAsync(() => Task.FromResult(ingress.AcceptsInFlight(flooderId)), n => n == Share);

            // The next one of the flooder is refused at once, while the lock is still held: it never joins the writer's line.
            var refusedTask = host.SendAsync(HttpMethod.Post, "/forge/events", flooder, tooMany.DeepClone());
            var answeredWhileHeld = await Waits.ForUpToAsync(() => Task.FromResult(refusedTask.IsCompleted), done => done, TimeSpan.FromSeconds(20));
            Assert.That(answeredWhileHeld, Is.True, "the flooder's accept past its share waits behind the writer like the others instead of being refused");
            using var refused = await refusedTask;
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That(refused.Headers.RetryAfter, Is.Not.Null, "Retry-After");
                Assert.That(body, Does.Contain("\"status\":503").And.Not.Contain(flooder), "a ProblemDetails naming no tenant");
                Assert.That(held.Any(t => t.IsCompleted), Is.False, "the accepts within the share still wait for the writer");
            });

            // The other tenant is not refused by the flooder's share: its accept takes its place in the line.
            quietAccept = host.SendAsync(HttpMethod.Post, "/forge/events", quiet, Samples.Event("OPS-7", "quiet tenant"));
            await Waits.UntilAsync(() => Task.FromResult(ingress.AcceptsInFlight(quietId)), n => n == 1);
        }
        finally
        {
            await ExecuteAsync(other, "ROLLBACK;");
        }

        using (var accepted = await quietAccept)
        {
            Assert.That(JsonNode.Parse(await accepted.Content.ReadAsStringAsync())?["status"]?.GetValue<string>(), Is.EqualTo("accepted"));
        }

        foreach (var response in await Task.WhenAll(held))
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the flooder's accepts within its share are kept");
            }
        }

        var quietRuns = await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", quiet))["items"]!.AsArray(), r => r.Count == 2);
        var flooderRuns = await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", flooder))["items"]!.AsArray(), r => r.Count == 1 + Share);
        Assert.Multiple(() =>
        {
            Assert.That(quietRuns.Select(r => r!["issueKey"]!.GetValue<string>()), Is.EquivalentTo(new[] { "OPS-1", "OPS-7" }), "one record each");
            Assert.That(flooderRuns.Select(r => r!["issueKey"]!.GetValue<string>()), Does.Not.Contain("OPS-200"), "nothing of the refused accept was kept");
            Assert.That(sink.Count("/e/OPS-200"), Is.Zero);
            Assert.That(ingress.AcceptsInFlight(flooderId) + ingress.AcceptsInFlight(quietId), Is.Zero, "every slot given back");
            Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled"));
        });

        // The refusal kept nothing: Forge's retry of the same delivery is accepted as new and runs once.
        using (var retry = await host.SendAsync(HttpMethod.Post, "/forge/events", flooder, tooMany.DeepClone()))
        {
            Assert.That(JsonNode.Parse(await retry.Content.ReadAsStringAsync())?["status"]?.GetValue<string>(), Is.EqualTo("accepted"));
        }

        var afterRetry = await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", flooder))["items"]!.AsArray(), r => r.Count == 2 + Share);
        Assert.That(afterRetry.Count(r => r!["issueKey"]!.GetValue<string>() == "OPS-200"), Is.EqualTo(1));
    }

    /// <summary>
    /// The bound is the ingress's, so it holds for every source: the flooder's signed webhook deliveries (a third party
    /// replaying, a hook in a loop) fill its share, the next one is answered 503 at once, and another tenant's Forge
    /// event is still accepted and runs.
    /// </summary>
    [Test]
    public async Task A_tenants_flood_of_webhook_deliveries_is_refused_past_its_share_and_another_tenants_event_runs()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var sink = await SlowSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BackendHost.StartAsync(issuer,
            new Dictionary<string, string?> { ["Runs:PerTenantAcceptsInFlight"] = Share.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            s => s.AddSingleton<TimeProvider>(clock));
        var flooder = Samples.NewTenant();
        var quiet = Samples.NewTenant();
        var hook = await host.JsonAsync(HttpMethod.Post, "/api/webhooks", flooder, new { name = "Orders" }, 201);
        var (hookId, secret) = (hook["id"]!.GetValue<string>(), hook["secret"]!.GetValue<string>());
        var connection = await host.JsonAsync(HttpMethod.Post, "/api/connections", flooder, Samples.Connection(sink.Address, "t0ken"), 201);
        await host.JsonAsync(HttpMethod.Post, "/api/rules", flooder, new JsonObject
        {
            ["name"] = "Orders",
            ["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = "/o/{{ webhook.body.order }}",
            }),
        }, 201);
        await RuleAsync(host, quiet, sink.Address);
        Task<HttpResponseMessage> Deliver(string order) => DeliverSignedAsync(host, issuer, clock, flooder, hookId, secret, order);

        using (var first = await Deliver("W-0"))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await first.Content.ReadAsStringAsync());
        }

        using (var first = await host.SendAsync(HttpMethod.Post, "/forge/events", quiet, Samples.Event("OPS-1", "before the lock")))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", flooder))["items"]!.AsArray().Count
            + (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", quiet))["items"]!.AsArray().Count, n => n == 2);

        var ingress = host.Services.GetRequiredService<EventIngestor>();
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataDirectory, "blubees.db"), Pooling = false }.ToString());
        await other.OpenAsync();
        await ExecuteAsync(other, "BEGIN IMMEDIATE;");
        List<Task<HttpResponseMessage>> held;
        Task<HttpResponseMessage> quietAccept;
        try
        {
            held = [.. Enumerable.Range(1, Share).Select(i => Deliver("W-" + i))];
            await Waits.UntilAsync(() => Task.FromResult(ingress.AcceptsInFlight(new TenantId(flooder))), n => n == Share);
            var refusedTask = Deliver("W-99");
            Assert.That(await Waits.ForUpToAsync(() => Task.FromResult(refusedTask.IsCompleted), done => done, TimeSpan.FromSeconds(20)), Is.True,
                "the delivery past the share waits behind the writer instead of being refused");
            using var refused = await refusedTask;
            Assert.Multiple(() =>
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(refused.Headers.RetryAfter, Is.Not.Null, "Retry-After");
            });

            quietAccept = host.SendAsync(HttpMethod.Post, "/forge/events", quiet, Samples.Event("OPS-7", "quiet tenant"));
            await Waits.UntilAsync(() => Task.FromResult(ingress.AcceptsInFlight(new TenantId(quiet))), n => n == 1);
        }
        finally
        {
            await ExecuteAsync(other, "ROLLBACK;");
        }

        using (var accepted = await quietAccept)
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        foreach (var response in await Task.WhenAll(held))
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the deliveries within the share are kept");
            }
        }

        await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", quiet))["items"]!.AsArray().Count, n => n == 2);
        await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", flooder))["items"]!.AsArray().Count, n => n == 1 + Share);
        Assert.That(sink.Count("/o/W-99"), Is.Zero, "nothing of the refused delivery was kept");
    }

    /// <summary>
    /// A signed delivery to a hook no rule uses queues nothing but writes its replay record, outside the queue and its
    /// share: it takes one of the tenant's accept slots too. Before, a tenant's flood of such deliveries had as many
    /// replay records waiting for the file's write lock at once as it sent (none counted, none refused), beside every
    /// other tenant's accepts.
    /// </summary>
    [Test]
    public async Task A_tenants_flood_of_deliveries_to_a_hook_no_rule_uses_takes_its_accept_slots_and_another_tenants_event_runs()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var sink = await SlowSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BackendHost.StartAsync(issuer,
            new Dictionary<string, string?> { ["Runs:PerTenantAcceptsInFlight"] = Share.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            s => s.AddSingleton<TimeProvider>(clock));
        var flooder = Samples.NewTenant();
        var quiet = Samples.NewTenant();
        var hook = await host.JsonAsync(HttpMethod.Post, "/api/webhooks", flooder, new { name = "Unused" }, 201);
        var (hookId, secret) = (hook["id"]!.GetValue<string>(), hook["secret"]!.GetValue<string>());
        await RuleAsync(host, quiet, sink.Address);
        Task<HttpResponseMessage> Deliver(string order) => DeliverSignedAsync(host, issuer, clock, flooder, hookId, secret, order);

        using (var first = await Deliver("U-0"))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await first.Content.ReadAsStringAsync());
        }

        using (var first = await host.SendAsync(HttpMethod.Post, "/forge/events", quiet, Samples.Event("OPS-1", "before the lock")))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", quiet))["items"]!.AsArray().Count, n => n == 1);

        var ingress = host.Services.GetRequiredService<EventIngestor>();
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataDirectory, "blubees.db"), Pooling = false }.ToString());
        await other.OpenAsync();
        await ExecuteAsync(other, "BEGIN IMMEDIATE;");
        List<Task<HttpResponseMessage>> held;
        Task<HttpResponseMessage> quietAccept;
        try
        {
            held = [.. Enumerable.Range(1, Share).Select(i => Deliver("U-" + i))];
            await Waits.UntilAsync(() => Task.FromResult(ingress.AcceptsInFlight(new TenantId(flooder))), n => n == Share);
            using var refused = await Deliver("U-99").WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Multiple(() =>
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(refused.Headers.RetryAfter, Is.Not.Null, "Retry-After");
            });

            quietAccept = host.SendAsync(HttpMethod.Post, "/forge/events", quiet, Samples.Event("OPS-7", "quiet tenant"));
            await Waits.UntilAsync(() => Task.FromResult(ingress.AcceptsInFlight(new TenantId(quiet))), n => n == 1);
        }
        finally
        {
            await ExecuteAsync(other, "ROLLBACK;");
        }

        foreach (var response in await Task.WhenAll(held))
        {
            using (response)
            {
                // Each waited for the lock within the webhook's own bound: recorded once the lock came free, or (on a very
                // slow machine) refused 503 when that bound ran out first. Either way, never refused by the other tenant.
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable));
            }
        }

        Assert.That(ingress.AcceptsInFlight(new TenantId(flooder)), Is.Zero, "every slot given back");
        using (var accepted = await quietAccept)
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(async () => (await host.JsonAsync(HttpMethod.Get, "/api/runs?limit=100", quiet))["items"]!.AsArray().Count, n => n == 2);
    }

    /// <summary>A third party's signed delivery of <c>{"order": …}</c> to the tenant's hook, posted as the Forge web trigger does.</summary>
    private static Task<HttpResponseMessage> DeliverSignedAsync(BackendHost host, TestIssuer issuer, TimeProvider clock, string tenant, string hookId, string secret, string order)
    {
        var body = new JsonObject { ["order"] = order }.ToJsonString();
        var ts = clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes($"{ts}.{body}")));
        return host.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", issuer.MintFor("/forge/webhook", tenant, clock.GetUtcNow()),
            new JsonObject { ["hookId"] = hookId, ["signature"] = signature, ["timestamp"] = ts, ["contentType"] = "application/json", ["body"] = body },
            withUserToken: false);
    }

    private static async Task RuleAsync(BackendHost host, string tenant, Uri sink)
    {
        var connection = await host.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink, "t0ken"), 201);
        await host.JsonAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject
        {
            ["name"] = "Sink",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "call", ["type"] = "http", ["connection"] = connection["id"]!.GetValue<string>(), ["method"] = "POST", ["path"] = "/e/{{ issue.key }}",
            }),
        }, 201);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
