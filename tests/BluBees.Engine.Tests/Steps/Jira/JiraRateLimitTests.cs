using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>Jira's 429 + Retry-After: waited for on the injected clock, bounded, and reported in the step metrics.</summary>
[TestFixture]
public sealed class JiraRateLimitTests
{
    [Test]
    public async Task Retry_After_is_honoured_on_the_clock_and_reported()
    {
        await using var kit = new JiraKit();
        kit.Site.RetryAfter = "3";
        kit.Site.Throttle(1);

        var run = kit.RunAsync("""{"id":"note","type":"jira.comment","body":"hi"}""");
        var wait = await kit.Time.NextWaitAsync(run);
        Assert.That(wait, Is.EqualTo(TimeSpan.FromSeconds(3)), "the step waits what Retry-After says, on the clock");
        kit.Time.Advance(wait);
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = kit.Site.Requests;
        Assert.That(seen, Has.Count.EqualTo(2));
        Assert.That(seen[1].At - seen[0].At, Is.EqualTo(TimeSpan.FromSeconds(3)), "the retry went out once Retry-After had passed on the clock");
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
            Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(1));
            Assert.That(outcome.Record.Metrics.RateLimited, Is.True);
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(201));
            Assert.That(seen[1].Trace, Is.EqualTo(seen[0].Trace));
        });
    }

    [Test]
    public async Task Retries_are_bounded()
    {
        await using var kit = new JiraKit(new JiraActionOptions { MaxAttempts = 3 });
        kit.Site.RetryAfter = "1";
        kit.Site.Throttle(100);

        var outcome = await RunAdvancingAsync(kit, """{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RateLimited));
        Assert.That(kit.Site.Requests, Has.Count.EqualTo(3));
        Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(2));
        Assert.That(outcome.Record.Metrics.RateLimited, Is.True);
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(429));
    }

    [Test]
    public async Task A_Retry_After_beyond_the_bound_fails_at_once_without_waiting()
    {
        await using var kit = new JiraKit(new JiraActionOptions { MaxRetryAfterSeconds = 10 });
        kit.Site.RetryAfter = "3600";
        kit.Site.Throttle(1);

        var outcome = await kit.RunAsync("""{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RateLimited));
        Assert.That(kit.Site.Requests, Has.Count.EqualTo(1));
        Assert.That(kit.Time.GetUtcNow(), Is.EqualTo(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)), "no wait happened");
    }

    /// <summary>
    /// A Retry-After within the Jira bound (60 s) but ending at or after the run's deadline (the worker's
    /// <c>RunDeadline</c>: 100 s on SQS) is not waited for: the deadline would cut the wait, the run would be recorded
    /// cancelled and delivered again into the same 429. One that ends before it is waited for as usual.
    /// </summary>
    [TestCase(30)]
    [TestCase(20)]
    public async Task A_Retry_After_that_would_end_at_or_past_the_run_deadline_fails_at_once(int retryAfter)
    {
        await using var kit = new JiraKit();
        kit.Site.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        kit.Site.Throttle(1);
        var start = kit.Time.GetUtcNow();

        StepOutcome outcome;
        using (RunDeadline.Enter(start.AddSeconds(20)))
        {
            outcome = await kit.RunAsync("""{"id":"f","type":"jira.fetch"}""").WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RateLimited));
            Assert.That(kit.Site.Requests, Has.Count.EqualTo(1), "no second call");
            Assert.That(kit.Time.GetUtcNow(), Is.EqualTo(start), "no wait happened");
        });
    }

    [Test]
    public async Task A_Retry_After_that_ends_before_the_run_deadline_is_waited_for()
    {
        await using var kit = new JiraKit();
        kit.Site.RetryAfter = "3";
        kit.Site.Throttle(1);

        StepOutcome outcome;
        using (RunDeadline.Enter(kit.Time.GetUtcNow().AddSeconds(20)))
        {
            var run = kit.RunAsync("""{"id":"f","type":"jira.fetch"}""");
            var wait = await kit.Time.NextWaitAsync(run);
            Assert.That(wait, Is.EqualTo(TimeSpan.FromSeconds(3)));
            kit.Time.Advance(wait);
            outcome = await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(kit.Site.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Without_Retry_After_the_wait_backs_off()
    {
        await using var kit = new JiraKit();
        kit.Site.RetryAfter = null;
        kit.Site.Throttle(2);

        var outcome = await RunAdvancingAsync(kit, """{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = kit.Site.Requests;
        Assert.That(seen[1].At - seen[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(seen[2].At - seen[1].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task A_503_with_Retry_After_is_retried_after_it_and_one_without_fails_at_once()
    {
        // "Some transient 5XX errors are accompanied by a Retry-After header. For example, a 503 response may be returned
        // when a resource limit has been reached" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
        await using var kit = new JiraKit();
        kit.Site.ThrottleStatus = 503;
        kit.Site.RetryAfter = "3";
        kit.Site.Throttle(1);

        var outcome = await RunAdvancingAsync(kit, """{"id":"note","type":"jira.comment","body":"hi"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = kit.Site.Requests;
        Assert.That(seen, Has.Count.EqualTo(2));
        Assert.That(seen[1].At - seen[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3)), "the retry waited Retry-After on the clock");
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(1));
            Assert.That(outcome.Record.Metrics.RateLimited, Is.False, "a 503 is not a rate limit response");
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(201));
        });

        await using var plain = new JiraKit();
        plain.Site.ThrottleStatus = 503;
        plain.Site.RetryAfter = null;
        plain.Site.Throttle(1);
        var failed = await plain.RunAsync("""{"id":"f","type":"jira.fetch"}""");
        Assert.That(failed.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(plain.Site.Requests, Has.Count.EqualTo(1), "a 503 without Retry-After is not retried");
    }

    [Test]
    public async Task A_503_with_Retry_After_that_keeps_coming_fails_http_5xx_after_the_bounded_attempts()
    {
        await using var kit = new JiraKit(new JiraActionOptions { MaxAttempts = 3 });
        kit.Site.ThrottleStatus = 503;
        kit.Site.RetryAfter = "1";
        kit.Site.Throttle(100);

        var outcome = await RunAdvancingAsync(kit, """{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(kit.Site.Requests, Has.Count.EqualTo(3));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(503));
        Assert.That(outcome.Record.Metrics!.RateLimited, Is.False);
    }

    [Test]
    public async Task Without_Retry_After_the_wait_lasts_until_X_RateLimit_Reset()
    {
        // "429 responses may be accompanied by Retry-After and X-RateLimit-Reset headers … X-RateLimit-Reset … the
        // timestamp (in ISO 8601 format) when the rate limit will reset" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/);
        // asking before it "will fail and return the same or longer Retry-After period".
        await using var kit = new JiraKit();
        kit.Site.RetryAfter = null;
        kit.Site.RateLimitReset = "2026-03-01T09:01Z"; // the kit's clock starts at 09:00:00
        kit.Site.Throttle(1);

        var outcome = await RunAdvancingAsync(kit, """{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = kit.Site.Requests;
        Assert.That(seen, Has.Count.EqualTo(2));
        Assert.That(seen[1].At, Is.GreaterThanOrEqualTo(new DateTimeOffset(2026, 3, 1, 9, 1, 0, TimeSpan.Zero)), "not asked again before the reset");
    }

    /// <summary>Runs the step while moving the fake clock in small steps, as time would pass, until it finishes.</summary>
    private static async Task<StepOutcome> RunAdvancingAsync(JiraKit kit, string stepJson)
    {
        var run = kit.RunAsync(stepJson);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!run.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
            kit.Time.Advance(TimeSpan.FromMilliseconds(250));
        }

        return await run;
    }
}
