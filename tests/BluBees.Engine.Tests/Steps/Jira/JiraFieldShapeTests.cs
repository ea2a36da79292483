using BluBees.Engine.Execution;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// A field template that is one whole <c>{{ expression }}</c> keeps the value's JSON type, so a priority, user or list
/// field can render a number, a boolean or null. Each is sent in the shape Jira's REST v3 takes for that field
/// (Create issue / Edit issue, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post:
/// <c>"priority": {"id": "20000"}</c>, <c>"assignee": {"id": …}</c> / <c>{"accountId": …}</c>, <c>"labels": ["bugfix"]</c>,
/// <c>"components": [{"id": "10000"}]</c>), never as the bare number, boolean or null Jira cannot read.
/// </summary>
[TestFixture]
public sealed class JiraFieldShapeTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [Test]
    public async Task Edit_sends_a_rendered_number_as_a_priority_id_and_an_account_id_text()
    {
        // issue.fields.num is the JSON number 42.
        var outcome = await _kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"priority":"{{ issue.fields.num }}","assignee":"{{ issue.fields.num }}"}}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single().Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["priority"]!.ToJsonString(), Is.EqualTo("""{"id":"42"}"""), "Jira's priority ids are numbers written as text");
            Assert.That(fields["assignee"]!.ToJsonString(), Is.EqualTo("""{"accountId":"42"}"""));
        });
    }

    [Test]
    public async Task Edit_sends_a_rendered_boolean_priority_as_a_name_and_a_null_label_list_as_an_empty_list()
    {
        // issue.fields.assignee is JSON null: "labels" rendering it clears the labels, as [] does in Jira.
        var outcome = await _kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"priority":"{{ true }}","labels":"{{ issue.fields.assignee }}"}}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single().Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["priority"]!.ToJsonString(), Is.EqualTo("""{"name":"true"}"""));
            Assert.That(fields["labels"]!.ToJsonString(), Is.EqualTo("[]"));
        });
    }

    [Test]
    public async Task Create_sends_null_components_and_versions_as_empty_lists()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"c","type":"jira.create","issueType":"Task",
             "fields":{"summary":"x","components":"{{ issue.fields.assignee }}","fixVersions":"{{ issue.fields.assignee }}"}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single(r => r.Method == "POST").Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["components"]!.ToJsonString(), Is.EqualTo("[]"));
            Assert.That(fields["fixVersions"]!.ToJsonString(), Is.EqualTo("[]"));
        });
    }
}
