using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// A Jira write (or the POST of a search) answered with a redirect that would turn it into a GET (303, or a 301/302 of a
/// POST) is not followed: the GET's 200 read as the write's own success, so an edit, comment or transition Jira never
/// made was recorded succeeded with <c>ok: true</c>. A redirect that repeats the request as it was (307/308) is still
/// followed on the same origin.
/// </summary>
[TestFixture]
public sealed class JiraMethodChangingRedirectTests
{
    private const string Issue = """{"id":"10017","key":"PRJ-12","fields":{"summary":"s"}}""";

    private static Egress.LoopbackServer Site(int status) => Egress.LoopbackServer.Start((r, s, ct) => r.Method == "GET" || r.Target.StartsWith("/moved", StringComparison.Ordinal)
        ? Egress.LoopbackServer.RespondAsync(s, 200, r.Target.Contains("search", StringComparison.Ordinal) ? """{"issues":[]}""" : Issue, ct, ("Content-Type", "application/json"))
        : Egress.LoopbackServer.RedirectAsync(s, status, "/moved" + r.Target, ct));

    [TestCase("""{"id":"e","type":"jira.edit","fields":{"summary":"x"}}""", 303)]
    [TestCase("""{"id":"c","type":"jira.comment","body":"hello"}""", 302)]
    [TestCase("""{"id":"c","type":"jira.comment","body":"hello"}""", 301)]
    [TestCase("""{"id":"c","type":"jira.comment","body":"hello"}""", 303)]
    [TestCase("""{"id":"t","type":"jira.transition","transitionId":"31"}""", 302)]
    [TestCase("""{"id":"s","type":"jira.search","jql":"project = PRJ"}""", 302)]
    public async Task A_redirect_that_would_turn_the_call_into_a_GET_fails_as_unexpected_status(string step, int status)
    {
        await using var site = Site(status);
        await using var kit = new JiraKit(new JiraActionOptions { ApiBaseUrlOverride = site.Url("/jira").ToString() });

        var outcome = await kit.RunAsync(step);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.UnexpectedStatus));
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(status));
        });
        Assert.That(site.Requests.Select(r => r.Method), Has.None.EqualTo("GET"), "the write is not turned into a GET");
    }

    /// <summary>A 307/308 that stays inside the site's base URL repeats the write with the system token.</summary>
    [TestCase(307)]
    [TestCase(308)]
    public async Task A_same_origin_307_or_308_inside_the_base_url_repeats_the_write_as_it_was(int status)
    {
        await using var site = Egress.LoopbackServer.Start((r, s, ct) => r.Target.Contains("/moved", StringComparison.Ordinal)
            ? Egress.LoopbackServer.RespondAsync(s, 201, """{"id":"100200"}""", ct, ("Content-Type", "application/json"))
            : Egress.LoopbackServer.RedirectAsync(s, status, "/jira/moved" + r.Target["/jira".Length..], ct));
        await using var kit = new JiraKit(new JiraActionOptions { ApiBaseUrlOverride = site.Url("/jira").ToString() });

        var outcome = await kit.RunAsync("""{"id":"c","type":"jira.comment","body":"hello"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var moved = site.Requests.Last();
        Assert.That(moved.Target, Does.StartWith("/jira/moved/"));
        Assert.That(moved.Method, Is.EqualTo("POST"));
        Assert.That(moved.Header("Authorization"), Is.EqualTo("Bearer " + FakeJiraSite.Token));
        Assert.That(moved.Body, Is.Not.Empty);
    }

    /// <summary>
    /// A 307/308 to the same origin outside the site's base URL would repeat the write (issue data) to a path of the host
    /// that is not Jira's API: refused, nothing sent there. This test once asserted that the write was repeated there
    /// without the token (and, before that, with it).
    /// </summary>
    [TestCase(307)]
    [TestCase(308)]
    public async Task A_same_origin_307_or_308_out_of_the_base_url_is_refused(int status)
    {
        await using var site = Egress.LoopbackServer.Start((r, s, ct) => r.Target.Contains("/moved", StringComparison.Ordinal)
            ? Egress.LoopbackServer.RespondAsync(s, 201, """{"id":"100200"}""", ct, ("Content-Type", "application/json"))
            : Egress.LoopbackServer.RedirectAsync(s, status, "/moved" + r.Target["/jira".Length..], ct));
        await using var kit = new JiraKit(new JiraActionOptions { ApiBaseUrlOverride = site.Url("/jira").ToString() });

        var outcome = await kit.RunAsync("""{"id":"c","type":"jira.comment","body":"hello"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RedirectRefused));
        Assert.That(site.Requests.Select(r => r.Target), Has.None.Contains("/moved"));
    }
}
