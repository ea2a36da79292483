using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>The circuit breaker (per tenant and connection) and the concurrency and rate limits (per connection, shared by rules).</summary>
public sealed class BreakerAndLimitTests
{
    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    [Test]
    public async Task The_breaker_opens_after_failures_and_isolates_one_tenant_from_another()
    {
        await using var server = LoopbackServer.Start((r, s, ct) =>
            LoopbackServer.RespondAsync(s, r.Target.Contains("/fail", StringComparison.Ordinal) ? 503 : 200, "{}", ct));
        var settings = new ConnectionResilience { MaxRetries = 0, BreakerMinimumThroughput = 2, BreakerFailureRatio = 0.5, BreakerBreakSeconds = 30 };
        var a = await _h.CreateAsync(new TenantId("tenant-a"), server, settings);
        var b = await _h.CreateAsync(new TenantId("tenant-b"), server, settings);
        var failing = PolicyHarness.Step(a, path: "/fail");

        var first = await _h.RunAsync("tenant-a", failing);
        var second = await _h.RunAsync("tenant-a", failing);
        var open = await _h.RunAsync("tenant-a", failing);
        var other = await _h.RunAsync("tenant-b", PolicyHarness.Step(b, path: "/ok"));

        Assert.That(first.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(second.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(open.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CircuitOpen));
        Assert.That(open.Record.Attempts, Is.Zero);
        Assert.That(open.Record.Metrics!.CircuitOpen, Is.True);
        Assert.That(open.Output, Is.Null);
        Assert.That(other.Record.Status, Is.EqualTo(RunStatus.Succeeded), "tenant B's breaker is its own");
        Assert.That(other.Record.Metrics, Is.Null);
        Assert.That(server.Requests.Count(r => r.Target.Contains("/fail", StringComparison.Ordinal)), Is.EqualTo(2), "the open breaker sent nothing");

        _h.Time.Advance(TimeSpan.FromSeconds(31));
        var trial = await _h.RunAsync("tenant-a", failing);

        Assert.That(trial.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx), "after the break one trial call goes through");
        Assert.That(trial.Record.Attempts, Is.EqualTo(1));
    }

    [Test]
    public async Task An_edited_connection_gets_a_fresh_pipeline()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 503, "{}", ct));
        var settings = new ConnectionResilience { MaxRetries = 0, BreakerMinimumThroughput = 2 };
        var connection = await _h.CreateAsync(new TenantId("tenant-a"), server, settings);
        var before = _h.Pipelines.For(new TenantId("tenant-a"), connection);
        Assert.That(_h.Pipelines.For(new TenantId("tenant-a"), connection), Is.SameAs(before), "cached per revision");
        await _h.RunAsync("tenant-a", PolicyHarness.Step(connection));
        await _h.RunAsync("tenant-a", PolicyHarness.Step(connection));
        Assert.That((await _h.RunAsync("tenant-a", PolicyHarness.Step(connection))).Record.ErrorCategory, Is.EqualTo(ErrorCategories.CircuitOpen));

        var edited = (await _h.Connections.UpdateAsync(new TenantId("tenant-a"), connection.Id, new ConnectionInput
        {
            Name = "API v2", BaseUrl = connection.BaseUrl, Auth = connection.Auth, Resilience = settings with { MaxRetries = 1 },
        }, CancellationToken.None)).Value!;

        Assert.That(edited.Revision, Is.EqualTo(connection.Revision + 1));
        Assert.That(_h.Pipelines.For(new TenantId("tenant-a"), edited), Is.Not.SameAs(before));
        Assert.That(_h.Pipelines.For(new TenantId("tenant-a"), edited).Policy.MaxRetries, Is.EqualTo(1));
    }

    [Test]
    public async Task The_concurrency_limit_is_shared_by_every_rule_using_the_connection()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var maxInFlight = 0;
        await using var server = LoopbackServer.Start(async (_, s, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref inFlight);
            await LoopbackServer.RespondAsync(s, 200, "{}", ct);
        });
        var connection = await _h.CreateAsync(new TenantId("tenant-a"), server, new ConnectionResilience { MaxConcurrency = 1, MaxRetries = 0 });
        var ruleOne = PolicyHarness.Step(connection, path: "/one", id: "first");
        var ruleTwo = PolicyHarness.Step(connection, "POST", "/two", id: "second");

        var one = _h.RunAsync("tenant-a", ruleOne);
        await Eventually.TrueAsync(() => server.Requests.Count == 1, "rule one's request arrives");
        var two = _h.RunAsync("tenant-a", ruleTwo);
        await Eventually.TrueAsync(() => _h.Pipelines.For(new TenantId("tenant-a"), connection).Queued == 1, "rule two waits for the limit");
        Assert.That(server.Requests, Has.Count.EqualTo(1));
        release.SetResult();
        var (first, second) = (await one, await two);

        Assert.That(first.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(second.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(first.Record.Metrics, Is.Null);
        Assert.That(second.Record.Metrics!.RateLimited, Is.True);
        Assert.That(maxInFlight, Is.EqualTo(1));
    }

    [Test]
    public async Task A_full_bulkhead_refuses_the_call_at_once()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = LoopbackServer.Start(async (_, s, ct) =>
        {
            await release.Task.WaitAsync(ct);
            await LoopbackServer.RespondAsync(s, 200, "{}", ct);
        });
        var connection = await _h.CreateAsync(new TenantId("tenant-a"), server, new ConnectionResilience { MaxConcurrency = 1, QueueLimit = 0 });

        var one = _h.RunAsync("tenant-a", PolicyHarness.Step(connection));
        await Eventually.TrueAsync(() => server.Requests.Count == 1, "the first request arrives");
        var refused = await _h.RunAsync("tenant-a", PolicyHarness.Step(connection, id: "other"));
        release.SetResult();
        await one;

        Assert.That(refused.Record.ErrorCategory, Is.EqualTo(ErrorCategories.BulkheadFull));
        Assert.That(refused.Record.Attempts, Is.Zero);
        Assert.That(refused.Record.Metrics!.RateLimited, Is.True);
        Assert.That(server.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_rate_limit_holds_calls_until_the_next_second_on_the_injected_clock()
    {
        await using var server = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(new TenantId("tenant-a"), server, new ConnectionResilience { RequestsPerSecond = 2 });
        var step = PolicyHarness.Step(connection);

        var first = await _h.RunAsync("tenant-a", step);
        var second = await _h.RunAsync("tenant-a", step);
        var third = _h.RunAsync("tenant-a", step);
        await Eventually.TrueAsync(() => _h.Pipelines.For(new TenantId("tenant-a"), connection).Queued == 1, "the third call waits for a token");
        Assert.That(server.Requests, Has.Count.EqualTo(2));
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var held = await third;

        Assert.That(first.Record.Metrics, Is.Null);
        Assert.That(second.Record.Metrics, Is.Null);
        Assert.That(held.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(held.Record.Metrics!.RateLimited, Is.True);
        Assert.That(server.Requests, Has.Count.EqualTo(3));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
