using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// Two tenants whose connections call the same host (the same SaaS API, the same base URL): what one tenant does to its
/// connection's limits — every bulkhead slot held by hanging calls, its breaker opened by timeouts — is state of its own
/// pipeline (keyed by tenant + connection, <c>ConnectionPipelines</c>), never of the host, so the other tenant's call to
/// that host is sent and answered meanwhile. On the fake clock; conditions, not timings.
/// </summary>
public sealed class SharedHostTests
{
    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    /// <summary>One host: <c>/api/hang…</c> never answers, anything else answers 200 at once.</summary>
    private static LoopbackServer SharedHost() => LoopbackServer.Start(async (request, stream, ct) =>
    {
        if (request.Target.Contains("/hang", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, ct);
        }

        await LoopbackServer.RespondAsync(stream, 200, "{}", ct);
    });

    [Test]
    public async Task A_tenant_holding_every_slot_of_its_connection_to_a_host_leaves_another_tenants_connection_to_that_host_free()
    {
        await using var host = SharedHost();
        var a = await _h.CreateAsync(new TenantId("tenant-a"), host, new ConnectionResilience { MaxRetries = 0, MaxConcurrency = 2, RequestsPerSecond = 2 });
        var b = await _h.CreateAsync(new TenantId("tenant-b"), host, new ConnectionResilience { MaxRetries = 0, MaxConcurrency = 2, RequestsPerSecond = 2 });
        Assert.That(b.BaseUrl, Is.EqualTo(a.BaseUrl), "the same host, port and path");

        var held = new[] { _h.RunAsync("tenant-a", PolicyHarness.Step(a, path: "/hang/1", id: "one")), _h.RunAsync("tenant-a", PolicyHarness.Step(a, path: "/hang/2", id: "two")) };
        await Eventually.TrueAsync(() => host.Requests.Count == 2, "A's two calls hold its connection's slots and its rate window");
        var third = _h.RunAsync("tenant-a", PolicyHarness.Step(a, id: "three"));
        await Eventually.TrueAsync(() => _h.Pipelines.For(new TenantId("tenant-a"), a).Queued == 1, "A's third call waits for a slot");

        // B's call to the same host is sent and answered while A's slots are all held and its next call waits.
        // (A bound of wall time only so that a regression fails instead of hanging: the clock stands still meanwhile.)
        var other = await _h.RunAsync("tenant-b", PolicyHarness.Step(b, id: "b")).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(other.Record.Status, Is.EqualTo(RunStatus.Succeeded), _h.Evidence(other));
            Assert.That(other.Record.ErrorCategory, Is.Null);
            Assert.That(held.All(t => !t.IsCompleted), Is.True, "A's calls still hang");
            Assert.That(third.IsCompleted, Is.False, "A's third call still waits");
        });

        _h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.That((await third).Record.ErrorCategory, Is.EqualTo(ErrorCategories.BulkheadFull), "A's own limit refuses A");
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        await Task.WhenAll(held);
    }

    [Test]
    public async Task A_tenant_whose_breaker_to_a_host_is_open_leaves_another_tenants_connection_to_that_host_closed()
    {
        await using var host = SharedHost();
        var a = await _h.CreateAsync(new TenantId("tenant-a"), host, new ConnectionResilience { MaxRetries = 0, AttemptTimeoutSeconds = 5, TimeoutSeconds = 5 });
        var b = await _h.CreateAsync(new TenantId("tenant-b"), host, new ConnectionResilience { MaxRetries = 0, AttemptTimeoutSeconds = 5, TimeoutSeconds = 5 });

        for (var i = 0; i < 3; i++)
        {
            var run = _h.RunAsync("tenant-a", PolicyHarness.Step(a, path: "/hang/" + i, id: "call" + i));
            await Eventually.TrueAsync(() => host.Requests.Count == i + 1, "attempt arrives");
            _h.Time.Advance(TimeSpan.FromSeconds(5));
            Assert.That((await run.WaitAsync(TimeSpan.FromSeconds(30))).Record.ErrorCategory, Is.EqualTo(ErrorCategories.Timeout), "attempt " + i);
        }

        var open = await _h.RunAsync("tenant-a", PolicyHarness.Step(a, id: "after")).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(open.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CircuitOpen), "A's breaker is open");

        var other = await _h.RunAsync("tenant-b", PolicyHarness.Step(b, id: "b")).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(other.Record.Status, Is.EqualTo(RunStatus.Succeeded), _h.Evidence(other));
            Assert.That(host.Requests.Count(r => r.Target.EndsWith("/items", StringComparison.Ordinal)), Is.EqualTo(1), "only B's call reached the host; A's was refused by its own breaker");
        });
    }

    /// <summary>
    /// Two tenants' OAuth connections with the same token endpoint: one tenant's token fetch hanging there holds only its
    /// own single-flight slot (keyed by tenant + connection, <c>OAuthTokenSlots</c>); the other tenant's fetch goes out
    /// and its call is sent with its own token meanwhile.
    /// </summary>
    [Test]
    public async Task A_tenants_token_fetch_hanging_at_a_shared_token_endpoint_leaves_another_tenants_fetch_free()
    {
        await using var tokens = new TokenEndpoint { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Holds = form => form["client_secret"]?.GetValue<string>() == "cs-a" };
        await using var api = LoopbackServer.Ok("{}");
        var a = await _h.CreateAsync(new TenantId("tenant-a"), tokens.ClientCredentials(api, "cs-a"));
        var b = await _h.CreateAsync(new TenantId("tenant-b"), tokens.ClientCredentials(api, "cs-b"));

        var hanging = _h.RunAsync("tenant-a", PolicyHarness.Step(a, id: "a"));
        await Eventually.TrueAsync(() => tokens.Requests == 1, "A's token fetch reaches the endpoint and hangs there");

        // (A bound of wall time only so that a regression fails instead of hanging.)
        var other = await _h.RunAsync("tenant-b", PolicyHarness.Step(b, id: "b")).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(other.Record.Status, Is.EqualTo(RunStatus.Succeeded), _h.Evidence(other));
            Assert.That(tokens.Requests, Is.EqualTo(2), "B fetched its own token");
            Assert.That(api.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new[] { "Bearer at-1" }), "B's call, with B's token (the first issued)");
            Assert.That(hanging.IsCompleted, Is.False, "A's fetch still hangs");
        });

        tokens.Gate.SetResult();
        Assert.That((await hanging.WaitAsync(TimeSpan.FromSeconds(30))).Record.Status, Is.EqualTo(RunStatus.Succeeded));
    }
}
