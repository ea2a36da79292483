using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// <c>startsWith</c>, <c>matches</c> and <c>notMatches</c> on a list field read its items as <c>contains</c> and
/// <c>in</c> do (<see cref="ConditionObjectListTests"/>): a text item as itself, an object by its name (<c>name</c>,
/// <c>value</c>, <c>displayName</c>, <c>accountId</c>, <c>key</c>). They read the list's JSON text instead, so
/// <c>labels matches "^auth$"</c> was false for <c>["ui","auth"]</c> and <c>components matches "10000"</c> matched a
/// component's id.
/// </summary>
public sealed class ConditionListTextTests
{
    private static JsonObject Scope()
    {
        var scope = SampleEvents.Scope();
        var fields = scope["issue"]!["fields"]!.AsObject();
        fields["components"] = JsonNode.Parse("""[{"id":"10000","name":"Backend"},{"id":"10001","name":"API"}]""");
        fields["customfield_10050"] = JsonNode.Parse("""[{"id":"10200","value":"EMEA"}]""");
        return scope;
    }

    [TestCase("issue.fields.labels", "\"^auth$\"", true, Description = "one label matches, anchored")]
    [TestCase("issue.fields.labels", "\"^billing$\"", false)]
    [TestCase("issue.fields.components", "\"^Back\"", true, Description = "a component by its name")]
    [TestCase("issue.fields.components", "\"^API$\"", true)]
    [TestCase("issue.fields.components", "\"10000\"", false, Description = "the id is not the name")]
    [TestCase("issue.fields.components", "\"name\"", false, Description = "nor is the JSON text")]
    [TestCase("issue.fields.customfield_10050", "\"^EM\"", true, Description = "options by value")]
    public void MatchesOnAListMatchesAnItem(string field, string value, bool expected)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate(field, "matches", value, Scope()), Is.EqualTo(expected), "matches");
            Assert.That(Evaluate(field, "notMatches", value, Scope()), Is.EqualTo(!expected), "notMatches");
        }
    }

    [TestCase("issue.fields.labels", "\"au\"", true)]
    [TestCase("issue.fields.labels", "\"[\"", false, Description = "not the JSON text")]
    [TestCase("issue.fields.components", "\"Back\"", true)]
    [TestCase("issue.fields.components", "\"100\"", false, Description = "the id is not the name")]
    [TestCase("issue.fields.components", "\"Front\"", false)]
    public void StartsWithOnAListChecksEachItem(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "startsWith", value, Scope()), Is.EqualTo(expected));
    }

    [Test]
    public void AnEmptyListStartsWithAndMatchesNothing()
    {
        var scope = Scope();
        scope["issue"]!["fields"]!["components"] = new JsonArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate("issue.fields.components", "matches", "\".*\"", scope), Is.False);
            Assert.That(Evaluate("issue.fields.components", "notMatches", "\".*\"", scope), Is.True);
            Assert.That(Evaluate("issue.fields.components", "startsWith", "\"\"", scope), Is.False);
        }
    }
}
