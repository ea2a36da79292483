using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// A text field whose template is one whole <c>{{ expression }}</c> keeps the value's JSON type, so a number or a
/// boolean from the issue or an earlier step (a ticket number, a count) reached Jira as a number: a comment made of it
/// failed before sending (template_error), and a <c>summary</c> or <c>description</c> of it was refused by Jira.
/// Text fields take such a value as its text; number fields (custom fields) keep the number.
/// </summary>
[TestFixture]
public sealed class JiraScalarTextTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [Test]
    public async Task A_comment_that_is_one_number_is_sent_as_its_text()
    {
        var outcome = await _kit.RunAsync("""{"id":"note","type":"jira.comment","body":"{{ issue.fields.storyPoints }}"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var paragraph = _kit.Site.Requests.Single().Body!["body"]!["content"]![0]!["content"]!;
        Assert.That(paragraph.ToJsonString(), Is.EqualTo("""[{"type":"text","text":"5"}]"""));
    }

    [Test]
    public async Task Text_fields_of_one_number_are_sent_as_text_and_custom_fields_keep_the_number()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"edit","type":"jira.edit","fields":{
              "summary":"{{ issue.fields.storyPoints }}",
              "description":"{{ issue.fields.estimate }}",
              "customfield_10016":"{{ issue.fields.storyPoints }}"}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single().Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["summary"]!.ToJsonString(), Is.EqualTo("\"5\""));
            Assert.That(fields["description"]!["content"]![0]!["content"]!.ToJsonString(), Is.EqualTo("""[{"type":"text","text":"2.5"}]"""));
            Assert.That(fields["customfield_10016"]!.ToJsonString(), Is.EqualTo("5"));
        });
    }

    [Test]
    public async Task List_fields_of_one_number_are_sent_as_names()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"edit","type":"jira.edit",
             "fields":{"labels":"{{ issue.fields.num }}"},
             "update":{"versions":[{"add":"{{ issue.fields.estimate }}"}],"labels":[{"add":"{{ issue.fields.storyPoints }}"}]}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var body = _kit.Site.Requests.Single().Body!;
        Assert.Multiple(() =>
        {
            Assert.That(body["fields"]!["labels"]!.ToJsonString(), Is.EqualTo("""["42"]"""));
            Assert.That(body["update"]!["versions"]!.ToJsonString(), Is.EqualTo("""[{"add":{"name":"2.5"}}]"""));
            Assert.That(body["update"]!["labels"]!.ToJsonString(), Is.EqualTo("""[{"add":"5"}]"""));
        });
    }
}
