using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>Per-attempt and total timeouts on the fake clock, against a server that never answers.</summary>
public sealed class TimeoutTests
{
    private static readonly TenantId Tenant = new("tenant-timeout");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    private static LoopbackServer Silent() => LoopbackServer.Start((_, _, ct) => Task.Delay(Timeout.Infinite, ct));

    [Test]
    public async Task An_attempt_ends_at_the_connection_attempt_timeout()
    {
        await using var server = Silent();
        var connection = await _h.CreateAsync(Tenant, server, new ConnectionResilience { AttemptTimeoutSeconds = 2, MaxRetries = 0 });

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        await Eventually.TrueAsync(() => server.Requests.Count == 1, "the request arrives");
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        var outcome = await run;

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Timeout));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(1));
    }

    [Test]
    public async Task The_total_timeout_ends_the_call_across_retries()
    {
        await using var server = Silent();
        var connection = await _h.CreateAsync(Tenant, server, new ConnectionResilience { TimeoutSeconds = 3, AttemptTimeoutSeconds = 2, MaxRetries = 5, RetryDelayMs = 0 });

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        await Eventually.TrueAsync(() => server.Requests.Count == 1, "the first attempt arrives");
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => server.Requests.Count == 2, "the retry arrives");
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await run;

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Timeout));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
        Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(1));
        Assert.That(outcome.Output, Is.Null);
    }
}
