using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// <c>jira.create</c> takes a field by its name as Jira shows it ("Priority", "Due date"), resolved to its id when the
/// step runs. The value was shaped by the name as written, which is no field id, so a system field named that way was
/// sent as bare text: <c>"priority": "High"</c>, <c>"resolution": "Done"</c>, a date-time <c>duedate</c>, a text
/// <c>components</c>, each refused by Jira. It is now shaped (and checked for emptiness) by the id the name resolves to,
/// as the same field written by its id is (Create issue,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
/// </summary>
[TestFixture]
public sealed class JiraFieldNameShapeTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp()
    {
        _kit = new JiraKit();
        foreach (var (id, name) in new[] { ("priority", "Priority"), ("duedate", "Due date"), ("resolution", "Resolution"), ("components", "Component/s") })
        {
            _kit.Site.FieldList.Add(new JsonObject { ["id"] = id, ["name"] = name, ["custom"] = false });
        }
    }

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [Test]
    public async Task System_fields_named_by_their_display_name_are_sent_in_their_shape()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x",
              "Priority":"High","Due date":"{{ issue.fields.created }}","Resolution":"Done","Component/s":"Backend, API"}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single(r => r.Method == "POST").Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["priority"]!.ToJsonString(), Is.EqualTo("""{"name":"High"}"""));
            Assert.That(fields["duedate"]!.ToJsonString(), Is.EqualTo("\"2024-01-15\""));
            Assert.That(fields["resolution"]!.ToJsonString(), Is.EqualTo("""{"name":"Done"}"""));
            Assert.That(fields["components"]!.ToJsonString(), Is.EqualTo("""[{"name":"Backend"},{"name":"API"}]"""));
            Assert.That(fields.AsObject().ContainsKey("Priority"), Is.False);
        });
    }

    [Test]
    public async Task An_empty_resolution_by_name_clears_it()
    {
        var outcome = await _kit.RunAsync("""{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x","Resolution":"{{ issue.fields.description }}"}}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single(r => r.Method == "POST").Body!["fields"]!.AsObject();
        Assert.That(fields.ContainsKey("resolution"), Is.True);
        Assert.That(fields["resolution"], Is.Null);
    }

    [Test]
    public async Task An_empty_priority_by_name_fails_at_its_field_before_the_issue_is_created()
    {
        var outcome = await _kit.RunAsync("""{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x","Priority":"{{ issue.fields.description }}"}}""");

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
            Assert.That(outcome.Record.FailedField, Is.EqualTo("fields.Priority"));
            Assert.That(_kit.Site.Requests.Any(r => r.Method == "POST"), Is.False, "nothing created");
        });
    }
}
