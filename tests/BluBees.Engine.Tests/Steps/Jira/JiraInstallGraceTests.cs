using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// Forge can deliver the install event (and the first product events) before the app's grants work
/// (shared/FORGE.md "Installed"): a 401/403 from Jira shortly after install is retried with backoff on the injected
/// clock, a bounded number of times; long after install it fails the step at once, as before.
/// </summary>
[TestFixture]
public sealed class JiraInstallGraceTests
{
    [TestCase(401)]
    [TestCase(403)]
    public async Task Right_after_install_a_401_or_403_is_retried_with_backoff_and_the_step_succeeds(int status)
    {
        await using var kit = new JiraKit();
        await kit.RecordInstallAsync(kit.Time.GetUtcNow().AddSeconds(-5));
        kit.Site.Deny(2, status);

        var outcome = await RunAdvancingAsync(kit, """{"id":"note","type":"jira.comment","body":"hi"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = kit.Site.Requests;
        Assert.That(seen, Has.Count.EqualTo(3));
        Assert.That(seen[1].At - seen[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2)), "first backoff on the clock");
        Assert.That(seen[2].At - seen[1].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(4)), "the backoff doubles");
        Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(2));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(201));
        Assert.That(string.Join('\n', kit.Logs), Does.Not.Contain(FakeJiraSite.Token), "the token is never logged");
    }

    [Test]
    public async Task The_retries_are_bounded_and_then_the_step_fails_as_a_4xx()
    {
        await using var kit = new JiraKit(new JiraActionOptions { MaxAuthAttempts = 3 });
        await kit.RecordInstallAsync(kit.Time.GetUtcNow());
        kit.Site.Deny(100, 403);

        var outcome = await RunAdvancingAsync(kit, """{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(403));
        Assert.That(kit.Site.Requests, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Long_after_install_a_403_fails_at_once_without_waiting()
    {
        await using var kit = new JiraKit();
        await kit.RecordInstallAsync(kit.Time.GetUtcNow().AddDays(-3));
        var start = kit.Time.GetUtcNow();
        kit.Site.Deny(1, 403);

        var outcome = await kit.RunAsync("""{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(kit.Site.Requests, Has.Count.EqualTo(1));
        Assert.That(kit.Time.GetUtcNow(), Is.EqualTo(start), "no wait happened");
    }

    [Test]
    public async Task The_grace_ends_on_the_clock()
    {
        await using var kit = new JiraKit(new JiraActionOptions { InstallGraceSeconds = 60 });
        await kit.RecordInstallAsync(kit.Time.GetUtcNow());
        Assert.That(await kit.InstallGrace.IsFreshAsync(JiraKit.Tenant.Id, CancellationToken.None), Is.True);
        kit.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.That(await kit.InstallGrace.IsFreshAsync(JiraKit.Tenant.Id, CancellationToken.None), Is.False);
        Assert.That(await kit.InstallGrace.IsFreshAsync(new TenantId("another-tenant"), CancellationToken.None), Is.False, "no install recorded: no grace");
    }

    private static async Task<StepOutcome> RunAdvancingAsync(JiraKit kit, string stepJson)
    {
        var run = kit.RunAsync(stepJson);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!run.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
            kit.Time.Advance(TimeSpan.FromMilliseconds(250));
        }

        return await run;
    }
}
