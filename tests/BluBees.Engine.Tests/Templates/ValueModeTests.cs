using System.Text.Json.Nodes;
using System.Text.Json;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class ValueModeTests
{
    private static JsonNode? Evaluate(string source, JsonObject? scope = null)
    {
        var result = Compile(source).Evaluate(scope ?? Scope(), TemplateLimits.Default);
        Assert.That(result.Error, Is.Null, () => result.Error!.ToString());
        Assert.That(result.Success, Is.True);
        return result.Value;
    }

    [TestCase("{{ issue.fields.storyPoints }}", JsonValueKind.Number, "5")]
    [TestCase("{{ issue.fields.estimate }}", JsonValueKind.Number, "2.5")]
    [TestCase("  {{ issue.fields.storyPoints | times: 2 }}\n", JsonValueKind.Number, "10")]
    [TestCase("{{- issue.fields.estimate | plus: 1 -}}", JsonValueKind.Number, "3.5")]
    [TestCase("{{ issue.fields.done }}", JsonValueKind.False, "false")]
    [TestCase("{{ issue.key }}", JsonValueKind.String, "\"PRJ-12\"")]
    [TestCase("{{ issue.fields.priority }}", JsonValueKind.Object, "{\"name\":\"High\"}")]
    [TestCase("{{ issue.fields.nums }}", JsonValueKind.Array, "[3,1,null,2]")]
    [TestCase("{{ issue.fields.labels | uniq }}", JsonValueKind.Array, "[\"ui\",\"auth\"]")]
    [TestCase("{{ (1..3) }}", JsonValueKind.Array, "[1,2,3]")]
    [TestCase("{{ issue.fields.components | where: 'name', 'api' | first }}", JsonValueKind.Object, "{\"name\":\"api\",\"lead\":null}")]
    [TestCase("SP: {{ issue.fields.storyPoints }}", JsonValueKind.String, "\"SP: 5\"")]
    [TestCase("{{ issue.fields.storyPoints }}{{ issue.fields.storyPoints }}", JsonValueKind.String, "\"55\"")]
    [TestCase("{% echo issue.fields.storyPoints %}", JsonValueKind.String, "\"5\"")]
    [TestCase("plain text", JsonValueKind.String, "\"plain text\"")]
    public void PreservesTypeOfASingleOutput(string source, JsonValueKind kind, string json)
    {
        var value = Evaluate(source);

        Assert.That(value, Is.Not.Null);
        Assert.That(value!.GetValueKind(), Is.EqualTo(kind));
        Assert.That(value.ToJsonString(), Is.EqualTo(json));
    }

    [TestCase("{{ issue.fields.assignee }}")]
    [TestCase("{{ issue.fields.missing }}")]
    [TestCase(" {{ nil }} ")]
    public void NilIsNull(string source) => Assert.That(Evaluate(source), Is.Null);

    [Test]
    public void KeepsTheExactTextOfScopeNumbers()
    {
        var scope = Scope("""{ "big": 12345678901234567890, "precise": 1.10, "list": [1.50] }""");

        Assert.That(Evaluate("{{ big }}", scope)!.ToJsonString(), Is.EqualTo("12345678901234567890"));
        Assert.That(Evaluate("{{ precise }}", scope)!.ToJsonString(), Is.EqualTo("1.10"));
        Assert.That(Evaluate("{{ list }}", scope)!.ToJsonString(), Is.EqualTo("[1.50]"));
    }

    [Test]
    public void ReturnsADetachedCopy()
    {
        var scope = Scope();
        var value = Evaluate("{{ issue.fields.priority }}", scope)!.AsObject();

        value["name"] = "changed";

        Assert.That(value.Parent, Is.Null);
        Assert.That(scope["issue"]!["fields"]!["priority"]!["name"]!.GetValue<string>(), Is.EqualTo("High"));
    }

    [Test]
    public void ConstantTemplatesAreFlagged()
    {
        Assert.That(Compile("just text").IsConstant, Is.True);
        Assert.That(Compile("text {{ x }}").IsConstant, Is.False);
        Assert.That(Compile("{% if x %}{% endif %}").IsConstant, Is.False);
        Assert.That(Compile("/issues/{{ issue.key | url_encode }}").Source, Is.EqualTo("/issues/{{ issue.key | url_encode }}"));
    }

    [Test]
    public void RequestPathExample() =>
        Assert.That(Render("/issues/{{ issue.key | url_encode }}/comment"), Is.EqualTo("/issues/PRJ-12/comment"));
}
