using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// The negated operators <c>notIn</c>, <c>notContains</c> and <c>notMatches</c> (Jira Automation's "is not one of",
/// "does not contain", "does not match"): each is true exactly when its positive operator is false, lists of objects
/// (components, options, users) included, so a rule needs no <c>any</c>/<c>all</c> trick to say "not".
/// </summary>
public sealed class ConditionNegationTests
{
    private static JsonObject Scope()
    {
        var scope = SampleEvents.Scope();
        var fields = scope["issue"]!["fields"]!.AsObject();
        fields["components"] = JsonNode.Parse("""[{"id":"10000","name":"Backend"},{"id":"10001","name":"API"}]""");
        fields["customfield_10050"] = JsonNode.Parse("""[{"id":"10200","value":"EMEA"}]""");
        return scope;
    }

    [TestCase("issue.fields.priority.name", "[\"Low\", \"Medium\"]", true)]
    [TestCase("issue.fields.priority.name", "[\"Low\", \"High\"]", false)]
    [TestCase("issue.fields.priority.name", "[]", true, Description = "nothing is among no values")]
    [TestCase("issue.fields.storyPoints", "[1, 3, 8]", true)]
    [TestCase("issue.fields.storyPoints", "[\"5\"]", false, Description = "numbers compare by value, as for in")]
    [TestCase("issue.fields.nothere", "[\"High\"]", true, Description = "a missing field is not one of the values")]
    [TestCase("issue.fields.components", "[\"Frontend\"]", true, Description = "no component is named Frontend")]
    [TestCase("issue.fields.components", "[\"Frontend\", \"API\"]", false, Description = "a list of objects by name, as for in")]
    [TestCase("issue.fields.customfield_10050", "[\"EMEA\"]", false, Description = "options by value")]
    [TestCase("issue.fields.labels", "[\"billing\"]", true)]
    [TestCase("issue.fields.labels", "[\"billing\", \"auth\"]", false)]
    public void NotInIsTheNegationOfIn(string field, string value, bool expected)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate(field, "notIn", value, Scope()), Is.EqualTo(expected), "notIn");
            Assert.That(Evaluate(field, "in", value, Scope()), Is.EqualTo(!expected), "in");
        }
    }

    [TestCase("issue.fields.summary", "\"Chrome\"", true)]
    [TestCase("issue.fields.summary", "\"Safari\"", false)]
    [TestCase("issue.fields.labels", "\"auth\"", false)]
    [TestCase("issue.fields.labels", "\"au\"", true, Description = "list items are not searched as substrings")]
    [TestCase("issue.fields.components", "\"Backend\"", false, Description = "a list of objects by name, as for contains")]
    [TestCase("issue.fields.components", "\"Frontend\"", true)]
    [TestCase("issue.fields.customfield_10050", "\"EMEA\"", false)]
    [TestCase("issue.fields.nothere", "\"x\"", true, Description = "a missing field contains nothing")]
    public void NotContainsIsTheNegationOfContains(string field, string value, bool expected)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate(field, "notContains", value, Scope()), Is.EqualTo(expected), "notContains");
            Assert.That(Evaluate(field, "contains", value, Scope()), Is.EqualTo(!expected), "contains");
        }
    }

    [TestCase("issue.fields.summary", "\"^Safari\"", true)]
    [TestCase("issue.fields.summary", "\"Safari$\"", false)]
    [TestCase("issue.key", "\"^[A-Z]+-\\\\d+$\"", false)]
    [TestCase("issue.fields.nothere", "\".*\"", true, Description = "a missing field matches nothing")]
    public void NotMatchesIsTheNegationOfMatches(string field, string value, bool expected)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate(field, "notMatches", value, Scope()), Is.EqualTo(expected), "notMatches");
            Assert.That(Evaluate(field, "matches", value, Scope()), Is.EqualTo(!expected), "matches");
        }
    }

    [TestCase("""{ "field": "issue.key", "op": "notIn", "value": "PRJ-1" }""", "conditions.value", "must be an array for 'notIn'")]
    [TestCase("""{ "field": "issue.key", "op": "notIn" }""", "conditions.value", "is required for 'notIn'")]
    [TestCase("""{ "field": "issue.key", "op": "notContains" }""", "conditions.value", "is required for 'notContains'")]
    [TestCase("""{ "field": "issue.key", "op": "notMatches", "value": "" }""", "conditions.value", "must be a non-empty regular expression")]
    [TestCase("""{ "field": "issue.key", "op": "notMatches", "value": "(" }""", "conditions.value", "is not a supported regular expression")]
    [TestCase("""{ "field": "issue.key", "op": "notMatches", "value": "(a)\\1" }""", "conditions.value", "needs backtracking")]
    public void TheNegatedOperatorsAreCheckedAsTheirPositives(string json, string path, string message)
    {
        var errors = Errors(json);
        Assert.That(errors.TryGetValue(path, out var messages) ? string.Join(" | ", messages) : "(none)", Does.Contain(message));
    }

    [Test]
    public void AnUnknownOperatorListsTheNegatedOnes()
    {
        var errors = Errors("""{ "field": "issue.key", "op": "doesNotContain", "value": "x" }""");
        Assert.That(string.Join(" | ", errors["conditions.op"]), Does.Contain("notIn").And.Contain("notContains").And.Contain("notMatches"));
    }
}
