using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>
/// A property path through a list reads that property of every item, as Jira's smart values do: "list — Iterates over
/// a list and prints it … <c>{{issue.fixVersions.name}}</c>", "<c>{{issue.subtasks.Story Points.average}}</c>"
/// (https://support.atlassian.com/jira-core-cloud/docs/smart-values-lists/). The result is a list, printed "a, b" like
/// any list, and an item without the property adds nothing (no ", , " holes, no "null"); when no item has it the path
/// reads nil, as a path that finds nothing always has.
/// </summary>
public sealed class ListPropertyPathTests
{
    private const string JiraScope = """
        {
          "issue": {
            "id": "10012", "key": "PRJ-12",
            "fields": {
              "fixVersions": [ { "id": "1", "name": "1.0", "releaseDate": "2024-03-01" }, { "id": "2", "name": "2.0" } ],
              "components": [ { "name": "web", "lead": { "displayName": "Ann" } }, { "name": "api", "lead": null } ],
              "customfield_10050": [ { "id": "10200", "value": "EMEA" }, { "id": "10201", "value": "APAC" } ],
              "subtasks": [ { "key": "PRJ-13", "fields": { "customfield_10016": 3, "status": { "name": "Done" } } },
                            { "key": "PRJ-14", "fields": { "customfield_10016": 8, "status": { "name": "To Do" } } } ],
              "labels": ["ui", "auth"],
              "empty": []
            }
          }
        }
        """;

    private static string R(string source)
    {
        using var names = JiraFieldNames.From([("customfield_10016", "Story Points"), ("customfield_10050", "Region")]).Activate();
        return Render(source, Scope(JiraScope));
    }

    [TestCase("{{issue.fixVersions.name}}", "1.0, 2.0")]
    [TestCase("{{issue.fields.fixVersions.name}}", "1.0, 2.0")]
    [TestCase("{{issue.fields.fixVersions.id}}", "1, 2")]
    [TestCase("{{issue.Region.value}}", "EMEA, APAC", Description = "the docs' multi-select example, by display name")]
    [TestCase("{{issue.subtasks.key}}", "PRJ-13, PRJ-14")]
    [TestCase("{{issue.subtasks.status.name}}", "Done, To Do", Description = "each item is an issue: its short paths apply")]
    [TestCase("{{issue.subtasks.fields.customfield_10016}}", "3, 8", Description = "through two levels")]
    [TestCase("{{issue.subtasks.Story Points.sum}}", "11", Description = "the docs' example: a list method on the mapped list")]
    [TestCase("{{issue.fixVersions.name.join(\" - \")}}", "1.0 - 2.0")]
    [TestCase("{{issue.fixVersions.name.size}}", "2")]
    [TestCase("{{issue.fixVersions.name.first}}", "1.0")]
    [TestCase("{{issue.fixVersions.name.last}}", "2.0")]
    [TestCase("{{issue.fixVersions.releaseDate}}", "2024-03-01", Description = "an item without the property adds nothing")]
    [TestCase("[{{issue.components.lead.displayName}}]", "[Ann]", Description = "a null member adds nothing either")]
    [TestCase("[{{issue.components.nothere}}]", "[]", Description = "a property no item has")]
    [TestCase("{{issue.components.nothere.isEmpty}}", "true")]
    [TestCase("{% if issue.components.nothere %}yes{% else %}no{% endif %}", "no", Description = "a path that finds nothing is nil, so false")]
    [TestCase("{% if issue.fixVersions.name %}yes{% else %}no{% endif %}", "yes")]
    [TestCase("[{{issue.fields.empty.name}}]", "[]")]
    [TestCase("{% for n in issue.fixVersions.name %}<{{n}}>{% endfor %}", "<1.0><2.0>")]
    [TestCase("{% if issue.fixVersions.name contains '2.0' %}yes{% else %}no{% endif %}", "yes")]
    [TestCase("{{issue.fixVersions[1].name}}", "2.0", Description = "an index still picks one item")]
    [TestCase("{{issue.fixVersions | map: 'name' | join: ' / '}}", "1.0 / 2.0", Description = "map is unchanged")]
    [TestCase("{{issue.fixVersions.size}} {{issue.fixVersions.first.name}} {{issue.fixVersions.last.name}}", "2 1.0 2.0")]
    [TestCase("[{{issue.labels.name}}]", "[]", Description = "texts have no properties")]
    public void APropertyThroughAListReadsItFromEveryItem(string source, string expected) =>
        Assert.That(R(source), Is.EqualTo(expected));

    [Test]
    public void AWholeValueTemplateKeepsTheMappedList()
    {
        var result = Compile("{{ issue.fields.fixVersions.name }}").Evaluate(Scope(JiraScope), TemplateLimits.Default);

        Assert.That(result.Error, Is.Null, () => result.Error!.ToString());
        Assert.That(result.Value!.GetValueKind(), Is.EqualTo(JsonValueKind.Array));
        Assert.That(result.Value.ToJsonString(), Is.EqualTo("""["1.0","2.0"]"""));
    }
}
