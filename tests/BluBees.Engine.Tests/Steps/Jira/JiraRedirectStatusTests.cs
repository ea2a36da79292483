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
