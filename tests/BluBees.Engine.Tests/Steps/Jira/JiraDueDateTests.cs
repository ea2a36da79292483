using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// <c>duedate</c> is a date field: Jira takes it as <c>yyyy-MM-dd</c> (<c>"duedate": "2019-05-11"</c> in Create issue,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post), while
/// <c>now</c>, every date function and Jira's own date-time fields give the REST date-time form
/// (<c>2024-01-15T10:30:00.000+0000</c>), so <c>"duedate": "{{ now | plus_days: 3 }}"</c> was sent as a date-time and
/// refused. A rendered date-time is sent as its day (as written, in its own offset); empty clears the field.
/// </summary>
[TestFixture]
public sealed class JiraDueDateTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [TestCase("{{ issue.fields.created }}", "\"2024-01-15\"", Description = "Jira's date-time form")]
    [TestCase("{{ issue.fields.created | plus_days: 3 }}", "\"2024-01-18\"", Description = "a date function's result")]
    [TestCase("{{ issue.fields.late }}", "\"2024-01-15\"", Description = "the day as written, in its own offset (not the UTC day)")]
    [TestCase("2024-03-05T08:00:00+05:30", "\"2024-03-05\"")]
    [TestCase("{{ issue.fields.duedate }}", "\"2024-02-01\"", Description = "a day stays as it is")]
    [TestCase("{{ issue.fields.description }}", "null", Description = "empty clears it")]
    public async Task Create_sends_the_due_date_as_a_day(string template, string expected)
    {
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["late"] = "2024-01-15T23:30:00.000-0800";
        var step = new JsonObject
        {
            ["id"] = "c", ["type"] = "jira.create", ["issueType"] = "Task",
            ["fields"] = new JsonObject { ["summary"] = "x", ["duedate"] = template },
        };

        var outcome = await _kit.RunAsync(step.ToJsonString(), scope: scope);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single(r => r.Method == "POST").Body!["fields"]!.AsObject();
        Assert.That(fields.ContainsKey("duedate"), Is.True);
        Assert.That(fields["duedate"]?.ToJsonString() ?? "null", Is.EqualTo(expected));
    }
}
