using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

public sealed class ScopePathTests
{
    private static ScopePath Parse(string text)
    {
        var path = ScopePath.Parse(text, out var error);
        Assert.That(error, Is.Null);
        Assert.That(path, Is.Not.Null);
        return path!;
    }

    [Test]
    public void ParsesDotsIndexesAndQuotedNames()
    {
        var root = TestJson.Object("""{ "a": { "b": [ { "x-y": 7, "x": 1 } ] } }""");

        var path = Parse("a.b[0][\"x-y\"]");

        Assert.That(path.Text, Is.EqualTo("a.b[0][\"x-y\"]"));
        Assert.That(path.Resolve(root)!.GetValue<int>(), Is.EqualTo(7));
    }

    [TestCase("a.b[0]['x-y']", 7, Description = "single quotes")]
    [TestCase("a.b[0].x", 1, Description = "dot after an index")]
    [TestCase("a.b[ 0 ][ \"x\" ]", 1, Description = "spaces inside brackets")]
    [TestCase("a[\"b\"][0][\"x-y\"]", 7)]
    [TestCase("a[\"b\"][0][\"dotted.name\"]", 3, Description = "a quoted name may hold a dot")]
    public void ResolvesEquivalentSpellings(string text, int expected)
    {
        var root = TestJson.Object("""{ "a": { "b": [ { "x-y": 7, "x": 1, "dotted.name": 3 } ] } }""");

        Assert.That(Parse(text).Resolve(root)!.GetValue<int>(), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.labels[1]", "auth")]
    [TestCase("issue.fields.x-props.a-b", "dash", Description = "dashes are allowed in bare names")]
    [TestCase("issue.fields[\"x-props\"][\"0\"]", "zero", Description = "a quoted digit is a property name")]
    [TestCase("issue.fields.customfield_10010", "{}")]
    [TestCase("user.accountId", "abc")]
    [TestCase("event.type", "avi:jira:updated:issue")]
    public void ResolvesIntoTheRunScope(string text, string expected)
    {
        Assert.That(Values.AsText(Parse(text).Resolve(SampleEvents.Scope())), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.labels[2]", Description = "index past the end")]
    [TestCase("issue.fields.labels[\"0\"]", Description = "a name on an array")]
    [TestCase("issue.fields[\"x-props\"][0]", Description = "an index on an object")]
    [TestCase("issue.fields.assignee.displayName", Description = "through null")]
    [TestCase("issue.key.length", Description = "through a string")]
    [TestCase("nothing.at.all")]
    public void ResolvesToNullWhenThePathLeadsNowhere(string text)
    {
        Assert.That(Parse(text).Resolve(SampleEvents.Scope()), Is.Null);
    }

    [Test]
    public void ResolvesAgainstANullRoot()
    {
        Assert.That(Parse("a").Resolve(null), Is.Null);
    }

    [Test]
    public void LargeIndexesDoNotThrow()
    {
        var root = new JsonObject { ["a"] = new JsonArray(1, 2) };

        Assert.That(Parse("a[2147483647]").Resolve(root), Is.Null);
    }

    [TestCase("", "the field path is empty")]
    [TestCase("a[", "unclosed '[' at position 2")]
    [TestCase("a.b[0", "unclosed '[' at position 4")]
    [TestCase("a[x]", "'[x]' must be a number or a quoted name")]
    [TestCase("a[-1]", "'[-1]' must be a number or a quoted name")]
    [TestCase("a[1.5]", "'[1.5]' must be a number or a quoted name")]
    [TestCase("a[\"x']", "'[\"x']' must be a number or a quoted name", Description = "mismatched quotes")]
    [TestCase("a[]", "'[]' must be a number or a quoted name")]
    [TestCase("a..b", "'' is not a valid field name")]
    [TestCase(".a", "'' is not a valid field name")]
    [TestCase("a b", "'a b' is not a valid field name")]
    [TestCase("a.b c", "'b c' is not a valid field name")]
    [TestCase("a.b]", "'b]' is not a valid field name")]
    [TestCase("a.{{x}}", "'{{x}}' is not a valid field name")]
    public void RejectsMalformedPathsWithAReason(string text, string error)
    {
        var path = ScopePath.Parse(text, out var message);

        Assert.That(path, Is.Null);
        Assert.That(message, Is.EqualTo(error));
    }
}
