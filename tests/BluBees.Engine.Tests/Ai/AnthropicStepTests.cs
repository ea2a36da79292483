using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Ai;

/// <summary>ai.chat over the Anthropic messages wire format, against a real loopback server.</summary>
public sealed class AnthropicStepTests
{
    private const string Key = "sk-ant-test-5678";

    private const string ClassifyStep = """
        {
          "id": "classify", "type": "ai.chat", "connection": "CONN", "model": "claude-sonnet-4-5",
          "system": "Classify the bug.",
          "prompt": "{{ issue.fields.summary }}",
          "maxTokens": 200,
          "schema": {
            "type": "object",
            "properties": { "category": { "type": "string", "enum": ["ui", "backend", "docs"] }, "duplicate": { "type": "boolean" } },
            "required": ["category", "duplicate"]
          }
        }
        """;

    private AiKit _kit = null!;

    [SetUp]
    public void CreateKit() => _kit = new AiKit();

    [TearDown]
    public void DisposeKit() => _kit.Dispose();

    private async Task<string> StepOn(LoopbackServer server, string json = ClassifyStep)
    {
        var auth = new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "x-api-key" };
        var connection = await _kit.ConnectionAsync(AiProviders.Anthropic, server.Url("/"), Key, auth);
        return json.Replace("CONN", connection.Id, StringComparison.Ordinal);
    }

    [Test]
    public async Task SendsTheMessagesRequestAndMapsStructuredOutput()
    {
        await using var server = ProviderServers.Anthropic("""{"category":"ui","duplicate":false}""", inputTokens: 80, outputTokens: 12);

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var request = server.Requests.Single();
        var body = ProviderServers.Json(request);
        Assert.That(request.Method, Is.EqualTo("POST"));
        Assert.That(request.Target, Is.EqualTo("/v1/messages"));
        Assert.That(request.Header("x-api-key"), Is.EqualTo(Key));
        Assert.That(request.Header("Authorization"), Is.Null);
        Assert.That(request.Header("anthropic-version"), Is.Not.Null);
        Assert.That(body["model"]!.GetValue<string>(), Is.EqualTo("claude-sonnet-4-5"));
        Assert.That(body["max_tokens"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(body.ContainsKey("temperature"), Is.False, "the messages API has no sampling parameters");
        Assert.That(body["stream"]?.GetValue<bool>() ?? false, Is.False);
        Assert.That(SystemText(body["system"]), Is.EqualTo("Classify the bug."));
        var messages = body["messages"]!.AsArray();
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user" }));
        Assert.That(SystemText(messages[0]!["content"]), Is.EqualTo("Login fails on Safari"));
        var format = body["output_config"]!["format"]!;
        Assert.That(format["type"]!.GetValue<string>(), Is.EqualTo("json_schema"));
        Assert.That(format["schema"]!["properties"]!["category"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { "ui", "backend", "docs" }));
        Assert.That(format["schema"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "category", "duplicate" }));

        Assert.That(outcome.Output!["output"]!["category"]!.GetValue<string>(), Is.EqualTo("ui"));
        Assert.That(outcome.Output!["output"]!["duplicate"]!.GetValue<bool>(), Is.False);
        Assert.That(outcome.Record.Metrics!.InputTokens, Is.EqualTo(80));
        Assert.That(outcome.Record.Metrics!.OutputTokens, Is.EqualTo(12));
    }

    [Test]
    public async Task ABearerConnectionSendsAnAuthorizationHeaderInstead()
    {
        await using var server = ProviderServers.Anthropic("A short summary.");
        var connection = await _kit.ConnectionAsync(AiProviders.Anthropic, server.Url("/"), Key);
        var step = $$"""{ "id": "s", "type": "ai.chat", "connection": "{{connection.Id}}", "model": "claude-haiku-4-5", "prompt": "Summarise" }""";

        var outcome = await _kit.RunAsync(step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Output!["text"]!.GetValue<string>(), Is.EqualTo("A short summary."));
        var request = server.Requests.Single();
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Key));
        Assert.That(request.Header("x-api-key"), Is.Null, "the SDK's placeholder key is never sent");
        Assert.That(ProviderServers.Json(request)["max_tokens"]!.GetValue<int>(), Is.EqualTo(1024));
    }

    [TestCase("""{"category":"ui"}""")]
    [TestCase("""{"category":"ui","duplicate":"no"}""")]
    [TestCase("Sure! Here is the JSON: {\"category\":\"ui\",\"duplicate\":false}")]
    public async Task OutputThatDoesNotMatchTheSchemaFails(string completion)
    {
        await using var server = ProviderServers.Anthropic(completion);

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.AiInvalidOutput));
        Assert.That(outcome.Output, Is.Null);
    }

    [TestCase(400, ErrorCategories.Http4xx)]
    [TestCase(429, ErrorCategories.Http4xx)]
    [TestCase(529, ErrorCategories.Http5xx)]
    [TestCase(500, ErrorCategories.Http5xx)]
    public async Task ProviderErrorsAreCategorisedAndNotRetriedByTheSdk(int status, string category)
    {
        await using var server = ProviderServers.Error(AiProviders.Anthropic, status, "nothing");

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(category));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(status));
        Assert.That(server.Requests, Has.Count.EqualTo(1));
    }

    private static string SystemText(JsonNode? node) => node switch
    {
        JsonArray parts => string.Concat(parts.Select(p => p!["text"]!.GetValue<string>())),
        _ => node!.GetValue<string>(),
    };
}
