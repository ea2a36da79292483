using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using NUnit.Framework;
using static BluBees.Engine.Tests.Policies.Scripted;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// A third party's <c>Retry-After</c> at the edges, against a real loopback server on a fake clock: whatever it says,
/// the step waits a bounded time or fails at once; it never hangs and never crashes.
/// </summary>
public sealed class RetryAfterEdgeTests
{
    private static readonly TenantId Tenant = new("tenant-retry-after-edges");
    private static readonly ConnectionResilience OneRetry = new() { MaxRetries = 1, RetryDelayMs = 200, MaxRetryAfterSeconds = 30 };

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    [TestCase("-5", Description = "negative")]
    [TestCase("soon", Description = "not a number nor a date")]
    [TestCase("1.5", Description = "fractional seconds")]
    [TestCase("99999999999999999999999", Description = "beyond any integer")]
    [TestCase("", Description = "empty")]
    public async Task A_Retry_After_that_is_not_delay_seconds_nor_a_date_falls_back_to_the_backoff(string value)
    {
        await using var server = Sequence(Answer(429, "{}", ("Retry-After", value)), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, OneRetry);

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var delay = await _h.Time.SkipNextDelayAsync();
        var outcome = await run;

        Assert.Multiple(() =>
        {
            Assert.That(delay, Is.GreaterThan(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(5)), "the connection's own backoff");
            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
            Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_Retry_After_date_in_the_past_is_retried_at_once()
    {
        var past = _h.Time.GetUtcNow().AddHours(-3).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        await using var server = Sequence(Answer(503, "{}", ("Retry-After", past)), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, OneRetry);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((outcome.Record.Status, outcome.Record.Attempts), Is.EqualTo((RunStatus.Succeeded, 2)));
        Assert.That(_h.Time.HasPendingDelay, Is.False, "no wait was scheduled");
    }

    [TestCase(3 * 24 * 3600, Description = "a date days ahead")]
    [TestCase(31, Description = "a date just beyond the connection's maximum")]
    public async Task A_Retry_After_date_beyond_the_maximum_fails_at_once(int secondsAhead)
    {
        var at = _h.Time.GetUtcNow().AddSeconds(secondsAhead + 1).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        await using var server = Sequence(Answer(429, "{}", ("Retry-After", at)), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, OneRetry);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((outcome.Record.StatusCode, outcome.Record.Attempts), Is.EqualTo((429, 1)));
        Assert.That(server.Requests, Has.Count.EqualTo(1));
    }

    [TestCase("86401")]
    [TestCase("9223372036854775807", Description = "the largest integer")]
    public async Task A_huge_Retry_After_in_seconds_fails_at_once(string value)
    {
        await using var server = Sequence(Answer(429, "{}", ("Retry-After", value)), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, OneRetry);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((outcome.Record.StatusCode, outcome.Record.Attempts), Is.EqualTo((429, 1)));
    }
}
