using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// A condition's field path through a list reads the property of every item, as a template does and as Jira's smart
/// values do (<c>{{issue.fixVersions.name}}</c>: https://support.atlassian.com/jira-core-cloud/docs/smart-values-lists/):
/// <c>issue.fields.fixVersions.name</c> is the list of the version names, compared as any list is.
/// </summary>
public sealed class ConditionListPathTests
{
    private static JsonObject Scope()
    {
        var scope = SampleEvents.Scope();
        var fields = scope["issue"]!["fields"]!.AsObject();
        fields["fixVersions"] = JsonNode.Parse("""[{"id":"10100","name":"2.4.0","releaseDate":"2024-03-01"},{"id":"10101","name":"2.5.0"}]""");
        fields["subtasks"] = JsonNode.Parse("""[{"key":"PRJ-13","fields":{"status":{"name":"Done"}}},{"key":"PRJ-14","fields":{"status":{"name":"To Do"}}}]""");
        return scope;
    }

    [TestCase("issue.fields.fixVersions.name", "contains", "\"2.5.0\"", true)]
    [TestCase("issue.fields.fixVersions.name", "contains", "\"2.6.0\"", false)]
    [TestCase("issue.fields.fixVersions.name", "notContains", "\"2.6.0\"", true)]
    [TestCase("issue.fields.fixVersions.name", "in", "[\"2.4.0\", \"3.0\"]", true)]
    [TestCase("issue.fields.fixVersions.name", "notIn", "[\"3.0\"]", true)]
    [TestCase("issue.fields.fixVersions.name", "equals", "[\"2.4.0\", \"2.5.0\"]", true, Description = "the whole list of names")]
    [TestCase("issue.fields.fixVersions.releaseDate", "equals", "[\"2024-03-01\"]", true, Description = "an item without the property adds nothing")]
    [TestCase("issue.fields.subtasks.fields.status.name", "contains", "\"To Do\"", true, Description = "through two levels")]
    [TestCase("issue.fields.subtasks.fields.status.name", "notContains", "\"Done\"", false)]
    [TestCase("issue.fields.watchers.accountId", "contains", "\"def\"", true)]
    [TestCase("issue.fields.fixVersions[1].name", "equals", "\"2.5.0\"", true, Description = "an index still picks one item")]
    public void APathThroughAListReadsEveryItem(string field, string op, string value, bool expected)
    {
        Assert.That(Evaluate(field, op, value, Scope()), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.components.name", true, Description = "an empty list has no names")]
    [TestCase("issue.fields.fixVersions.nothere", true, Description = "no item has the property")]
    [TestCase("issue.fields.fixVersions.name", false)]
    public void AMappedListIsEmptyWhenNoItemHasTheProperty(string field, bool empty)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate(field, "isEmpty", scope: Scope()), Is.EqualTo(empty), "isEmpty");
            Assert.That(Evaluate(field, "isNotEmpty", scope: Scope()), Is.EqualTo(!empty), "isNotEmpty");
        }
    }
}
