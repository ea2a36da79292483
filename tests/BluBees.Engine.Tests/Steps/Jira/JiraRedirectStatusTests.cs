using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// A Jira answer the egress guard does not follow (300, 304, or a 301–308 without a <c>Location</c>) is neither a
/// success nor an error: the write did not happen and the read brought nothing. Every Jira step fails with
/// <c>unexpected_status</c> then, as a transfer side does; a write reported <c>ok</c> for it before.
/// </summary>
[TestFixture]
public sealed class JiraRedirectStatusTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    private const string Edit = """{"id":"e","type":"jira.edit","fields":{"summary":"x"}}""";
    private const string Comment = """{"id":"c","type":"jira.comment","body":"hello"}""";
    private const string Transition = """{"id":"t","type":"jira.transition","transitionId":"31"}""";
    private const string Fetch = """{"id":"f","type":"jira.fetch"}""";

    [TestCase(Edit, 302)]
    [TestCase(Edit, 300)]
    [TestCase(Edit, 304)]
    [TestCase(Comment, 307)]
    [TestCase(Comment, 300)]
    [TestCase(Transition, 308)]
    [TestCase(Fetch, 301)]
    [TestCase(Fetch, 304)]
    public async Task A_3xx_the_guard_does_not_follow_fails_the_step_as_unexpected_status(string step, int status)
    {
        _kit.Site.Deny(1, status); // answered with that status and no Location

        var outcome = await _kit.RunAsync(step);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.UnexpectedStatus));
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(status));
            Assert.That(outcome.Output?["ok"]?.GetValue<bool>(), Is.Not.True);
        });
        Assert.That(_kit.Site.Requests, Has.Count.EqualTo(1));
    }
}

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

    [TestCase(307)]
    [TestCase(308)]
    public async Task A_same_origin_307_or_308_repeats_the_write_as_it_was(int status)
    {
        await using var site = Egress.LoopbackServer.Start((r, s, ct) => r.Target.StartsWith("/moved", StringComparison.Ordinal)
            ? Egress.LoopbackServer.RespondAsync(s, 201, """{"id":"100200"}""", ct, ("Content-Type", "application/json"))
            : Egress.LoopbackServer.RedirectAsync(s, status, "/moved" + r.Target, ct));
        await using var kit = new JiraKit(new JiraActionOptions { ApiBaseUrlOverride = site.Url("/jira").ToString() });

        var outcome = await kit.RunAsync("""{"id":"c","type":"jira.comment","body":"hello"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var moved = site.Requests.Last();
        Assert.That(moved.Method, Is.EqualTo("POST"));
        Assert.That(moved.Header("Authorization"), Is.EqualTo("Bearer " + FakeJiraSite.Token));
        Assert.That(moved.Body, Is.Not.Empty);
    }
}
