using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>Every leaf operator against the sample "issue updated" scope (see <see cref="SampleEvents"/>).</summary>
public sealed class ConditionOperatorTests
{
    [TestCase("issue.fields.priority.name", "\"High\"", true)]
    [TestCase("issue.fields.priority.name", "\"high\"", false, Description = "text comparison is case-sensitive")]
    [TestCase("issue.fields.priority.name", "\"High \"", false)]
    [TestCase("issue.key", "\"PRJ-12\"", true)]
    [TestCase("issue.fields.storyPoints", "5", true)]
    [TestCase("issue.fields.storyPoints", "5.0", true, Description = "numbers compare numerically")]
    [TestCase("issue.fields.storyPoints", "6", false)]
    [TestCase("issue.fields.storyPoints", "\"5\"", true, Description = "a number equals its text form")]
    [TestCase("issue.fields.numText", "42", true, Description = "numeric text equals the number")]
    [TestCase("issue.fields.estimate", "2.50", true)]
    [TestCase("issue.fields.labels", "[\"ui\", \"auth\"]", true, Description = "arrays compare structurally")]
    [TestCase("issue.fields.labels", "[\"auth\", \"ui\"]", false, Description = "array order matters")]
    [TestCase("issue.fields.priority", "{\"name\": \"High\"}", true)]
    [TestCase("issue.fields.priority", "{\"name\": \"Low\"}", false)]
    [TestCase("issue.fields.priority", "\"High\"", false, Description = "an object never equals a string")]
    [TestCase("issue.fields.nothere", "\"x\"", false)]
    public void EqualsComparesValues(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "equals", value), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.priority.name", "\"Low\"", true)]
    [TestCase("issue.fields.priority.name", "\"High\"", false)]
    [TestCase("issue.fields.storyPoints", "5.00", false)]
    [TestCase("issue.fields.nothere", "\"x\"", true, Description = "a missing field differs from every value")]
    public void NotEqualsIsTheNegationOfEquals(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "notEquals", value), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.summary", "\"Safari\"", true)]
    [TestCase("issue.fields.summary", "\"fails on\"", true)]
    [TestCase("issue.fields.summary", "\"safari\"", false, Description = "substring match is ordinal")]
    [TestCase("issue.fields.summary", "\"Chrome\"", false)]
    [TestCase("issue.fields.labels", "\"auth\"", true, Description = "an array contains an equal element")]
    [TestCase("issue.fields.labels", "\"au\"", false, Description = "array elements are not searched as substrings")]
    [TestCase("issue.fields.labels", "\"backend\"", false)]
    [TestCase("issue.fields.watchers", "{\"accountId\": \"def\"}", true, Description = "object elements compare structurally")]
    [TestCase("issue.fields.watchers", "{\"accountId\": \"xyz\"}", false)]
    [TestCase("issue.fields.components", "\"web\"", false, Description = "an empty array contains nothing")]
    [TestCase("issue.fields.nothere", "\"x\"", false)]
    public void ContainsSearchesStringsAndArrays(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "contains", value), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.summary", "\"Login\"", true)]
    [TestCase("issue.fields.summary", "\"Login fails on Safari\"", true)]
    [TestCase("issue.fields.summary", "\"login\"", false)]
    [TestCase("issue.fields.summary", "\"fails\"", false, Description = "only the start counts")]
    [TestCase("issue.key", "\"PRJ-\"", true)]
    [TestCase("issue.fields.nothere", "\"\"", false, Description = "a missing field starts with nothing, not even the empty string")]
    public void StartsWithMatchesThePrefix(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "startsWith", value), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.priority.name", "[\"Low\", \"High\"]", true)]
    [TestCase("issue.fields.priority.name", "[\"Low\", \"Medium\"]", false)]
    [TestCase("issue.fields.priority.name", "[]", false)]
    [TestCase("issue.fields.storyPoints", "[1, 3, 5]", true)]
    [TestCase("issue.fields.storyPoints", "[1, 3, 8]", false)]
    [TestCase("issue.fields.nothere", "[\"High\"]", false)]
    public void InChecksMembership(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "in", value), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.assignee", true, Description = "JSON null")]
    [TestCase("issue.fields.description", true, Description = "empty string")]
    [TestCase("issue.fields.components", true, Description = "empty array")]
    [TestCase("issue.fields.customfield_10010", true, Description = "empty object")]
    [TestCase("issue.fields.nothere", true, Description = "missing field")]
    [TestCase("issue.fields.assignee.displayName", true, Description = "path through null")]
    [TestCase("issue.fields.summary", false)]
    [TestCase("issue.fields.labels", false)]
    [TestCase("issue.fields.priority", false)]
    [TestCase("issue.fields.storyPoints", false)]
    public void IsEmptyAndIsNotEmptyAreOpposites(string field, bool empty)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate(field, "isEmpty"), Is.EqualTo(empty), "isEmpty");
            Assert.That(Evaluate(field, "isNotEmpty"), Is.EqualTo(!empty), "isNotEmpty");
        }
    }

    [Test]
    public void ZeroFalseAndWhitespaceAreNotEmpty()
    {
        var scope = SampleEvents.Scope();
        var fields = scope["issue"]!["fields"]!.AsObject();
        fields["zero"] = 0;
        fields["no"] = false;
        fields["blank"] = " ";

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate("issue.fields.zero", "isEmpty", scope: scope), Is.False);
            Assert.That(Evaluate("issue.fields.no", "isEmpty", scope: scope), Is.False);
            Assert.That(Evaluate("issue.fields.blank", "isEmpty", scope: scope), Is.False);
        }
    }

    [TestCase("issue.fields.storyPoints", "greaterThan", "3", true)]
    [TestCase("issue.fields.storyPoints", "greaterThan", "4.99", true)]
    [TestCase("issue.fields.storyPoints", "greaterThan", "5", false, Description = "strictly greater")]
    [TestCase("issue.fields.storyPoints", "greaterThan", "10", false, Description = "numeric, not lexical (\"5\" > \"10\" as text)")]
    [TestCase("issue.fields.storyPoints", "lessThan", "10", true)]
    [TestCase("issue.fields.storyPoints", "lessThan", "5", false)]
    [TestCase("issue.fields.estimate", "lessThan", "2.51", true)]
    [TestCase("issue.fields.estimate", "greaterThan", "-1", true)]
    [TestCase("issue.fields.numText", "greaterThan", "41", true, Description = "numeric text compares as a number")]
    [TestCase("issue.fields.numText", "lessThan", "\"100\"", true)]
    public void GreaterThanAndLessThanCompareNumbers(string field, string op, string value, bool expected)
    {
        Assert.That(Evaluate(field, op, value), Is.EqualTo(expected));
    }

    // created is "2024-01-15T10:30:00.000+0000" (Jira's own format, offset without a colon).
    [TestCase("issue.fields.created", "greaterThan", "\"2024-01-15T10:29:59Z\"", true)]
    [TestCase("issue.fields.created", "lessThan", "\"2024-01-15T10:30:01Z\"", true)]
    [TestCase("issue.fields.created", "greaterThan", "\"2024-01-15T11:30:00+01:00\"", false, Description = "the same instant in another offset")]
    [TestCase("issue.fields.created", "lessThan", "\"2024-01-15T11:30:00+01:00\"", false, Description = "the same instant in another offset")]
    [TestCase("issue.fields.created", "lessThan", "\"2024-01-15T05:00:00-08:00\"", true, Description = "chronological (13:00Z), not lexical (\"10\" > \"05\")")]
    [TestCase("issue.fields.duedate", "lessThan", "\"2024-02-02\"", true)]
    [TestCase("issue.fields.duedate", "greaterThan", "\"2024-01-31\"", true)]
    [TestCase("issue.fields.duedate", "greaterThan", "\"2024-02-01\"", false)]
    [TestCase("issue.fields.duedate", "greaterThan", "\"2023-12-31T23:59:59Z\"", true)]
    public void GreaterThanAndLessThanCompareIsoDates(string field, string op, string value, bool expected)
    {
        Assert.That(Evaluate(field, op, value), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.summary", "greaterThan", "3")]
    [TestCase("issue.fields.summary", "lessThan", "3")]
    [TestCase("issue.fields.nothere", "greaterThan", "3")]
    [TestCase("issue.fields.nothere", "lessThan", "3")]
    [TestCase("issue.fields.created", "greaterThan", "3", Description = "a date is not comparable with a number")]
    [TestCase("issue.fields.labels", "lessThan", "\"2024-01-01\"")]
    public void IncomparableValuesAreNeitherGreaterNorLess(string field, string op, string value)
    {
        Assert.That(Evaluate(field, op, value), Is.False);
    }

    [TestCase("issue.fields.summary", "\"^Login\\\\s+fails\"", true)]
    [TestCase("issue.fields.summary", "\"Safari$\"", true)]
    [TestCase("issue.fields.summary", "\"^Safari\"", false)]
    [TestCase("issue.fields.summary", "\"safari\"", false, Description = "case-sensitive by default")]
    [TestCase("issue.fields.summary", "\"(?i)safari\"", true, Description = "inline options work")]
    [TestCase("issue.key", "\"^[A-Z]+-\\\\d+$\"", true)]
    [TestCase("issue.fields.storyPoints", "\"^5$\"", true, Description = "numbers match on their text form")]
    [TestCase("issue.fields.nothere", "\".*\"", false, Description = "a missing field matches nothing")]
    [TestCase("issue.fields.assignee", "\".*\"", false, Description = "null matches nothing")]
    public void MatchesUsesTheRegularExpression(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "matches", value), Is.EqualTo(expected));
    }

    [Test]
    public void ConditionsReadStepOutputsAddedToTheScope()
    {
        var scope = SampleEvents.Scope();
        scope["steps"]!["lookup"] = new JsonObject { ["status"] = 200, ["body"] = new JsonObject { ["x-id"] = "abc" } };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate("steps.lookup.status", "lessThan", "300", scope), Is.True);
            Assert.That(Evaluate("steps.lookup.body[\"x-id\"]", "equals", "\"abc\"", scope), Is.True);
            Assert.That(Evaluate("steps.other.status", "isEmpty", scope: scope), Is.True);
        }
    }

    [Test]
    public void TheCompiledValueIsACopyOfTheDefinition()
    {
        var node = Leaf("issue.fields.labels", "equals", "[\"ui\", \"auth\"]");
        var condition = Compile(node);
        node.Value!.AsArray().Add("later");

        Assert.That(condition.Evaluate(SampleEvents.Scope(), null), Is.True, "editing the definition afterwards must not change a compiled rule");
    }
}
