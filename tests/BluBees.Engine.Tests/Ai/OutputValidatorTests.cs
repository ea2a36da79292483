using System.Text.Json.Nodes;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>Structured output is accepted only when it is a JSON object matching every keyword of the schema.</summary>
public sealed class OutputValidatorTests
{
    private static readonly JsonObject Schema = Compile("""
        {
          "type": "object",
          "properties": {
            "priority": { "type": "string", "enum": ["High", "Low"] },
            "labels": { "type": "array", "items": { "type": "string" } },
            "count": { "type": "integer" },
            "score": { "type": ["number", "null"] },
            "meta": { "type": "object", "properties": { "ok": { "type": "boolean" } }, "required": ["ok"], "additionalProperties": false }
          },
          "required": ["priority"]
        }
        """);

    private static JsonObject Compile(string json)
    {
        var errors = new ValidationErrors();
        var schema = OutputSchema.Compile(JsonNode.Parse(json), "schema", errors);
        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        return schema!;
    }

    [TestCase("""{"priority":"High"}""")]
    [TestCase("""{"priority":"Low","labels":["a","b"],"count":3,"score":null,"meta":{"ok":true}}""")]
    [TestCase("""{"priority":"Low","count":3.0,"score":0.5,"extra":"allowed at the root"}""")]
    [TestCase("""  {"priority":"High"}  """)]
    public void MatchingOutputIsAccepted(string text)
    {
        Assert.That(OutputValidator.Parse(text, Schema), Is.Not.Null);
    }

    [TestCase("")]
    [TestCase("High")]
    [TestCase("""{"priority":"High",}""")]
    [TestCase("""{"labels":[]}""")]
    [TestCase("""{"priority":"Medium"}""")]
    [TestCase("""{"priority":1}""")]
    [TestCase("""{"priority":"High","labels":"a"}""")]
    [TestCase("""{"priority":"High","labels":["a",2]}""")]
    [TestCase("""{"priority":"High","count":2.5}""")]
    [TestCase("""{"priority":"High","score":"0.5"}""")]
    [TestCase("""{"priority":"High","meta":{}}""")]
    [TestCase("""{"priority":"High","meta":{"ok":true,"more":1}}""")]
    [TestCase("""[{"priority":"High"}]""")]
    [TestCase("null")]
    [TestCase("""{"priority":"High","priority":"Low"}""")]
    [TestCase("""{"priority":"High","meta":{"ok":true,"ok":false}}""")]
    public void AnythingElseIsRefused(string text)
    {
        Assert.That(OutputValidator.Parse(text, Schema), Is.Null);
    }
}
