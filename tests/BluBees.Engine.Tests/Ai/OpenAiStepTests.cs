using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Ai;

/// <summary>ai.chat over the OpenAI chat-completions wire format, against a real loopback server.</summary>
public sealed class OpenAiStepTests
{
    private const string Key = "sk-test-openai-1234";

    private const string TriageStep = """
        {
          "id": "triage", "type": "ai.chat", "connection": "CONN", "model": "gpt-4o-mini",
          "system": "You triage Jira bugs. Answer with JSON only.",
          "prompt": "Summary: {{ issue.fields.summary }}\nDescription: {{ issue.fields.description }}",
          "temperature": 0.2, "maxTokens": 300,
          "schema": {
            "type": "object",
            "properties": {
              "priority": { "type": "string", "enum": ["Highest", "High", "Medium", "Low"] },
              "labels": { "type": "array", "items": { "type": "string" } },
              "confidence": { "type": "number" }
            },
            "required": ["priority", "labels"],
            "additionalProperties": false
          }
        }
        """;

    private AiKit _kit = null!;

    [SetUp]
    public void CreateKit() => _kit = new AiKit();

    [TearDown]
    public void DisposeKit() => _kit.Dispose();

    private async Task<string> StepOn(LoopbackServer server, string json = TriageStep)
    {
        var connection = await _kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), Key);
        return json.Replace("CONN", connection.Id, StringComparison.Ordinal);
    }

    [Test]
    public async Task SendsTheChatCompletionRequestAndMapsStructuredOutput()
    {
        await using var server = ProviderServers.OpenAi("""{"priority":"High","labels":["safari","login"],"confidence":0.9}""", inputTokens: 120, outputTokens: 18);

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var request = server.Requests.Single();
        Assert.That(request.Method, Is.EqualTo("POST"));
        Assert.That(request.Target, Is.EqualTo("/v1/chat/completions"));
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Key));
        var body = ProviderServers.Json(request);
        Assert.That(body["model"]!.GetValue<string>(), Is.EqualTo("gpt-4o-mini"));
        Assert.That(body["temperature"]!.GetValue<double>(), Is.EqualTo(0.2).Within(1e-6));
        Assert.That((body["max_completion_tokens"] ?? body["max_tokens"])!.GetValue<int>(), Is.EqualTo(300));
        Assert.That(body["stream"]?.GetValue<bool>() ?? false, Is.False);
        var messages = body["messages"]!.AsArray();
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "system", "user" }));
        Assert.That(Content(messages[0]!), Is.EqualTo("You triage Jira bugs. Answer with JSON only."));
        Assert.That(Content(messages[1]!), Is.EqualTo("Summary: Login fails on Safari\nDescription: Steps: open the login page in Safari 17."));
        var format = body["response_format"]!;
        Assert.That(format["type"]!.GetValue<string>(), Is.EqualTo("json_schema"));
        Assert.That(format["json_schema"]!["name"]!.GetValue<string>(), Is.EqualTo("triage"));
        var sent = format["json_schema"]!["schema"]!;
        Assert.That(sent["properties"]!["priority"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { "Highest", "High", "Medium", "Low" }));
        Assert.That(sent["additionalProperties"]!.GetValue<bool>(), Is.False);
        // Microsoft.Extensions.AI adapts the schema for OpenAI (every property listed as required); the engine checks the schema as written.
        Assert.That(sent["required"]!.AsArray().Select(r => r!.GetValue<string>()), Is.SupersetOf(new[] { "priority", "labels" }));

        var output = outcome.Output!;
        Assert.That(output["output"]!["priority"]!.GetValue<string>(), Is.EqualTo("High"));
        Assert.That(output["output"]!["labels"]!.AsArray().Select(l => l!.GetValue<string>()), Is.EqualTo(new[] { "safari", "login" }));
        Assert.That(output["text"]!.GetValue<string>(), Does.StartWith("{\"priority\""));
        Assert.That(output["model"]!.GetValue<string>(), Is.EqualTo("gpt-4o-mini-2024-07-18"));
        Assert.That(outcome.Record.Metrics!.InputTokens, Is.EqualTo(120));
        Assert.That(outcome.Record.Metrics!.OutputTokens, Is.EqualTo(18));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(200));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(1));
        Assert.That(outcome.Record.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(outcome.Record.BytesOut, Is.EqualTo(request.Body.Length));
        Assert.That(outcome.Record.BytesIn, Is.GreaterThan(0));
    }

    [Test]
    public async Task PlainTextWithoutSchemaIsTheTextOutput()
    {
        await using var server = ProviderServers.OpenAi("Users on Safari cannot log in; a fix is in review.");
        const string step = """{ "id": "summary", "type": "ai.chat", "connection": "CONN", "model": "gpt-4o", "prompt": "Summarise {{ issue.key }}" }""";

        var outcome = await _kit.RunAsync(await StepOn(server, step));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Output!["text"]!.GetValue<string>(), Is.EqualTo("Users on Safari cannot log in; a fix is in review."));
        Assert.That(outcome.Output!["output"], Is.Null);
        var body = ProviderServers.Json(server.Requests.Single());
        Assert.That(body["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user" }));
        Assert.That(body.ContainsKey("response_format"), Is.False);
        Assert.That(body.ContainsKey("temperature"), Is.False);
        Assert.That((body["max_completion_tokens"] ?? body["max_tokens"])!.GetValue<int>(), Is.EqualTo(1024));
    }

    [TestCase("not json at all")]
    [TestCase("""{"priority":"High"}""")]
    [TestCase("""{"priority":"Urgent","labels":[]}""")]
    [TestCase("""{"priority":"High","labels":[1,2]}""")]
    [TestCase("""{"priority":"High","labels":[],"extra":true}""")]
    [TestCase("""["High"]""")]
    [TestCase("```json\n{\"priority\":\"High\",\"labels\":[]}\n```")]
    [TestCase("""{"priority":"High","priority":"Low","labels":[]}""")]
    public async Task OutputThatDoesNotMatchTheSchemaFailsWithoutRepair(string completion)
    {
        await using var server = ProviderServers.OpenAi(completion, inputTokens: 50, outputTokens: 9);

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.AiInvalidOutput));
        Assert.That(outcome.Output, Is.Null, "no guessed output reaches later steps");
        Assert.That(outcome.Record.Metrics!.OutputTokens, Is.EqualTo(9), "tokens were spent and are counted");
        Assert.That(_kit.Logs.AllText, Does.Not.Contain(completion));
    }

    [TestCase(400, ErrorCategories.Http4xx)]
    [TestCase(401, ErrorCategories.Http4xx)]
    [TestCase(429, ErrorCategories.Http4xx)]
    [TestCase(500, ErrorCategories.Http5xx)]
    [TestCase(503, ErrorCategories.Http5xx)]
    public async Task ProviderErrorsAreCategorisedAndNotRetriedByTheSdk(int status, string category)
    {
        await using var server = ProviderServers.Error(AiProviders.OpenAi, status, "nothing");

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(category));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(status));
        Assert.That(server.Requests, Has.Count.EqualTo(1));
        Assert.That(outcome.Output, Is.Null);
    }

    [Test]
    public async Task AGarbledSuccessResponseIsAProviderError()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, "<html>gateway</html>", ct, ("Content-Type", "text/html")));

        var outcome = await _kit.RunAsync(await StepOn(server));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.AiProviderError));
    }

    [Test]
    public async Task AnAzureStyleApiKeyHeaderReplacesTheSdkBearer()
    {
        await using var server = ProviderServers.OpenAi("ok");
        var auth = new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "api-key" };
        var connection = await _kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/openai/v1"), Key, auth);
        var step = $$$"""{ "id": "s", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "my-deployment", "prompt": "Hi" }""";

        var outcome = await _kit.RunAsync(step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        var request = server.Requests.Single();
        Assert.That(request.Target, Is.EqualTo("/openai/v1/chat/completions"));
        Assert.That(request.Header("api-key"), Is.EqualTo(Key));
        Assert.That(request.Header("Authorization"), Is.Null, "the SDK's placeholder bearer is never sent");
    }

    [Test]
    public async Task AnAnswerOverTheStepResponseCapIsRefused()
    {
        using var kit = new AiKit(maxResponseBytes: 2048);
        await using var server = ProviderServers.OpenAi(new string('x', 8192));
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), Key);

        var outcome = await kit.RunAsync(TriageStep.Replace("CONN", connection.Id, StringComparison.Ordinal));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ResponseTooLarge));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(200));
        Assert.That(outcome.Output, Is.Null);
    }

    private static string Content(JsonNode message) => message["content"] is JsonArray parts
        ? string.Concat(parts.Select(p => p!["text"]!.GetValue<string>()))
        : message["content"]!.GetValue<string>();
}
