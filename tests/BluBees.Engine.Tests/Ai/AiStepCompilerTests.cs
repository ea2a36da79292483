using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>Every invalid ai.chat step gets an error that names the field; a valid one compiles with its defaults.</summary>
public sealed class AiStepCompilerTests
{
    private static readonly Dictionary<string, Connection> Connections = StepKit.ConnectionMap(
        StepKit.Connection("conn_openai") with { Provider = AiProviders.OpenAi },
        StepKit.Connection("conn_claude", auth: new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "x-api-key" }) with { Provider = AiProviders.Anthropic },
        StepKit.Connection("conn_plain"));

    private static (CompiledAiStep? Step, ValidationErrors Errors) Compile(string json)
    {
        var errors = new ValidationErrors();
        var step = StepKit.AiChat(StepKit.Step(json), "steps[0]", new StepCompileContext(Connections, new EgressOptions(), TemplateLimits.Default), errors);
        return (step, errors);
    }

    private static string Errors(string json)
    {
        var (step, errors) = Compile(json);
        Assert.That(step, Is.Null);
        return errors.ToString();
    }

    [Test]
    public void AMinimalStepCompilesWithDefaults()
    {
        var (step, errors) = Compile("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "gpt-4o-mini", "prompt": "Hi {{ issue.key }}" }""");

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(step!.MaxTokens, Is.EqualTo(AiStepLimits.DefaultMaxTokens));
        Assert.That(step.Temperature, Is.Null);
        Assert.That(step.Timeout, Is.EqualTo(TimeSpan.FromSeconds(AiStepLimits.DefaultTimeoutSeconds)));
        Assert.That(step.Kind, Is.EqualTo("ai.chat"));
        Assert.That(step.Method, Is.EqualTo("POST"));
        Assert.That(StepKinds.TryGet("ai.chat", out _), Is.True);
    }

    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "prompt": "x" }""", "steps[0].model", "is required")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "  ", "prompt": "x" }""", "steps[0].model", "is required")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "gpt 4", "prompt": "x" }""", "steps[0].model", "without spaces")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m" }""", "steps[0].prompt", "is required")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "{{ oops" }""", "steps[0].prompt", "template error")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "system": "{% if %}" }""", "steps[0].system", "template error")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "temperature": -0.1 }""", "steps[0].temperature", "from 0 to 2")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "temperature": 2.5 }""", "steps[0].temperature", "from 0 to 2")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_claude", "model": "m", "prompt": "x", "temperature": 0.5 }""", "steps[0].temperature", "anthropic")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "maxTokens": 0 }""", "steps[0].maxTokens", "from 1 to")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "maxTokens": 1000000 }""", "steps[0].maxTokens", "from 1 to")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "model": "m", "prompt": "x" }""", "steps[0].connection", "is required")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_nope", "model": "m", "prompt": "x" }""", "steps[0].connection", "does not exist")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_plain", "model": "m", "prompt": "x" }""", "steps[0].connection", "not an AI provider connection")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "url": "https://x.test" }""", "steps[0].url", "does not apply")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "body": {} }""", "steps[0].body", "does not apply")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "timeoutSeconds": 0 }""", "steps[0].timeoutSeconds", "from 1 to")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "onError": "retry" }""", "steps[0].onError", "'stop' or 'continue'")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": "object" }""", "steps[0].schema", "JSON schema object")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "array" } }""", "steps[0].schema.type", "must be \"object\"")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "object", "properties": { "n": { "type": "float" } } } }""", "steps[0].schema.properties.n.type", "must be one of")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "object", "properties": { "a": { "type": "string" } }, "required": ["b"] } }""", "steps[0].schema.required", "names 'b'")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "object", "properties": { "a": { "type": "string", "pattern": "^x" } } } }""", "steps[0].schema.properties.a.pattern", "is not supported")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "object", "properties": { "a": { "type": "array", "items": 3 } } } }""", "steps[0].schema.properties.a.items", "schema object")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "object", "properties": { "a": { "enum": [] } } } }""", "steps[0].schema.properties.a.enum", "non-empty")]
    [TestCase("""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": { "type": "object", "additionalProperties": {} } }""", "steps[0].schema.additionalProperties", "true or false")]
    public void InvalidStepsNameTheField(string json, string field, string message)
    {
        var errors = Errors(json);

        Assert.That(errors, Does.Contain(field + ": "), errors);
        Assert.That(errors, Does.Contain(message), errors);
    }

    [Test]
    public void AtRunTimeTheConnectionIsNotLookedUp()
    {
        var errors = new ValidationErrors();
        var step = StepKit.AiChat(
            StepKit.Step("""{ "id": "a", "type": "ai.chat", "connection": "conn_gone", "model": "m", "prompt": "x" }"""),
            "steps[0]", new StepCompileContext(null, new EgressOptions(), TemplateLimits.Default), errors);

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(step!.ConnectionId, Is.EqualTo("conn_gone"));
    }

    [Test]
    public void ADeeplyNestedSchemaIsRefused()
    {
        var schema = """{ "type": "string" }""";
        for (var i = 0; i < OutputSchema.MaxDepth + 1; i++)
        {
            schema = $$"""{ "type": "object", "properties": { "x": {{schema}} } }""";
        }

        var errors = Errors($$"""{ "id": "a", "type": "ai.chat", "connection": "conn_openai", "model": "m", "prompt": "x", "schema": {{schema}} }""");

        Assert.That(errors, Does.Contain("nests deeper than"));
    }
}
