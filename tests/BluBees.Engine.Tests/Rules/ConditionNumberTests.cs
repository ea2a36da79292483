using System.Text.Json.Nodes;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>Condition comparisons of numbers beyond decimal's 28–29 digits are exact, not dropped or rounded.</summary>
public sealed class ConditionNumberTests
{
    private static JsonObject Scope() => JsonNode.Parse("""
        {
          "big": 123456789012345678901234567890,
          "long": 9223372036854775807,
          "precise": 1.00000000000000000000000000001,
          "huge": 1e400,
          "bigText": "123456789012345678901234567891",
          "jiraPoints": 5.0
        }
        """)!.AsObject();

    [TestCase("big", "greaterThan", "123456789012345678901234567889", true)]
    [TestCase("big", "greaterThan", "123456789012345678901234567890", false)]
    [TestCase("big", "lessThan", "123456789012345678901234567891", true)]
    [TestCase("big", "greaterThan", "9223372036854775807", true)]
    [TestCase("big", "equals", "1.2345678901234567890123456789e29", true, Description = "the same number written differently")]
    [TestCase("big", "equals", "123456789012345678901234567891", false)]
    [TestCase("long", "lessThan", "9223372036854775808", true)]
    [TestCase("precise", "equals", "1", false, Description = "decimal would round the 30th digit away")]
    [TestCase("precise", "greaterThan", "1", true)]
    [TestCase("huge", "greaterThan", "1e399", true)]
    [TestCase("huge", "lessThan", "1e401", true)]
    [TestCase("bigText", "greaterThan", "123456789012345678901234567890", true, Description = "numeric text compares as a number")]
    [TestCase("jiraPoints", "equals", "\"5\"", true, Description = "Jira's 5.0 equals the text the rule builder sends for a typed 5")]
    [TestCase("jiraPoints", "notEquals", "\"5\"", false)]
    [TestCase("jiraPoints", "equals", "\"5.5\"", false)]
    [TestCase("jiraPoints", "in", "[\"3\", \"5\"]", true, Description = "the rule builder's 'is one of' sends texts")]
    [TestCase("jiraPoints", "in", "[\"3\", \"4\"]", false)]
    public void ComparesExactly(string field, string op, string value, bool expected)
    {
        Assert.That(Evaluate(field, op, value, Scope()), Is.EqualTo(expected));
    }

    [Test]
    public void AcceptsAComparisonValueOfAnySize()
    {
        var condition = Compile(Leaf("big", "lessThan", "1e400"));

        Assert.That(condition.Evaluate(Scope(), null), Is.True);
    }
}
