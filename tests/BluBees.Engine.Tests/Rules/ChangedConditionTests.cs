using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// <c>changed</c> against the sample changelog: status To Do (10000) → In Progress (10001), and
/// Story Points (customfield_10016) null → 5.
/// </summary>
public sealed class ChangedConditionTests
{
    private static bool Changed(string field, string? from = null, string? to = null, JsonObject? scope = null)
        => Evaluate(new ConditionNode { Field = field, Op = "changed", From = from, To = to }, scope);

    [TestCase("status")]
    [TestCase("Status", Description = "field names match case-insensitively")]
    [TestCase("Story Points", Description = "by display name (field)")]
    [TestCase("customfield_10016", Description = "by id (fieldId)")]
    [TestCase("CUSTOMFIELD_10016")]
    public void MatchesAChangedFieldByNameOrId(string field)
    {
        Assert.That(Changed(field), Is.True);
    }

    [TestCase("priority")]
    [TestCase("stat", Description = "no prefix match")]
    [TestCase("10016")]
    public void DoesNotMatchAnUnchangedField(string field)
    {
        Assert.That(Changed(field), Is.False);
    }

    [TestCase("To Do", "In Progress", true, Description = "display strings")]
    [TestCase("10000", "10001", true, Description = "raw ids")]
    [TestCase("To Do", "10001", true, Description = "display and raw forms mix")]
    [TestCase("to do", "IN PROGRESS", true, Description = "values match case-insensitively")]
    [TestCase("To Do", null, true)]
    [TestCase(null, "In Progress", true)]
    [TestCase("Done", null, false)]
    [TestCase(null, "Done", false)]
    [TestCase("In Progress", "To Do", false, Description = "direction matters")]
    [TestCase("To Do", "Done", false)]
    public void MatchesFromAndToAgainstDisplayOrRawValues(string? from, string? to, bool expected)
    {
        Assert.That(Changed("status", from, to), Is.EqualTo(expected));
    }

    [Test]
    public void FromAndToMustMatchTheSameChangelogItem()
    {
        // "To Do" is the status item's from, "5" is the Story Points item's to: never one change.
        Assert.That(Changed("status", "To Do", "5"), Is.False);
    }

    [Test]
    public void ANullFromDoesNotMatchAnyGivenValue()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Changed("Story Points", to: "5"), Is.True);
            Assert.That(Changed("Story Points", from: "0", to: "5"), Is.False);
        }
    }

    [Test]
    public void AnEmptyFromMatchesJirasNullForAnEmptyValue()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Changed("Story Points", from: "", to: "5"), Is.True, "from null / fromString null: set for the first time");
            Assert.That(Changed("Story Points", from: ""), Is.True);
            Assert.That(Changed("status", from: ""), Is.False, "To Do is not empty");
            Assert.That(Changed("Story Points", to: ""), Is.False, "5 is not empty");
        }
    }

    [Test]
    public void LaterItemsAreSearchedWhenAnEarlierOneDiffers()
    {
        var json = SampleEvents.IssueUpdated.Replace(
            "\"items\": [",
            "\"items\": [ { \"field\": \"status\", \"fieldId\": \"status\", \"fromString\": \"Backlog\", \"toString\": \"To Do\" },",
            StringComparison.Ordinal);
        var scope = SampleEvents.Scope(json);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Changed("status", "Backlog", "To Do", scope), Is.True);
            Assert.That(Changed("status", "To Do", "In Progress", scope), Is.True);
        }
    }

    [Test]
    public void AnEventWithoutAChangelogChangedNothing()
    {
        var scope = SampleEvents.Scope();
        scope.Remove("changelog");

        Assert.That(Changed("status"), Is.True, "sanity: the sample has the change");
        Assert.That(Changed("status", scope: scope), Is.False);
    }

    [Test]
    public void MalformedChangelogItemsAreSkipped()
    {
        var scope = SampleEvents.Scope();
        scope["changelog"] = new JsonObject { ["items"] = new JsonArray("status", 1, null, new JsonObject { ["field"] = "status" }) };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Changed("status", scope: scope), Is.True, "the well-formed item still counts");
            Assert.That(Changed("status", "To Do", scope: scope), Is.False);
        }
    }

    [Test]
    public void StaticMatchesIgnoresANullChangelog()
    {
        Assert.That(ChangedCondition.Matches(null, "status", null, null), Is.False);
    }

    [Test]
    public void TracesItsDescriptionWithoutValuesFromTheEvent()
    {
        var trace = new List<ConditionOutcome>();
        var condition = Compile(new ConditionNode { Field = "status", Op = "changed", From = "To Do", To = "Done" });

        var passed = condition.Evaluate(SampleEvents.Scope(), trace);

        Assert.That(passed, Is.False);
        Assert.That(trace, Is.EqualTo(new[] { new ConditionOutcome("conditions", "status changed from 'To Do' to 'Done'", false) }));
    }
}
