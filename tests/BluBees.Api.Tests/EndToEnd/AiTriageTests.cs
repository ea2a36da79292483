using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// The triage example end to end: an event arrives, an ai.chat step classifies the issue through an
/// OpenAI-compatible loopback provider, and an http step maps the structured output into a write. The run keeps
/// token counts; the prompt, the completion and the key are nowhere in the store, the data files or the logs.
/// </summary>
[TestFixture]
public sealed class AiTriageTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _provider = null!;
    private ThirdPartyApi _tracker = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _provider = await ThirdPartyApi.StartAsync();
        _tracker = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _tracker.DisposeAsync();
        await _provider.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task Structured_output_flows_into_the_next_step_and_only_token_counts_are_kept()
    {
        var tenant = Samples.NewTenant();
        var key = Samples.Canary("key");
        var promptCanary = Samples.Canary("prompt");
        var completionCanary = Samples.Canary("completion");
        _provider.Respond = _ => (200, Completion($$"""{"priority":"Highest","labels":["safari","{{completionCanary}}"],"reason":"{{completionCanary}}"}"""));
        var ai = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, AiConnection(key), 201);
        var tracker = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_tracker.Address, "tracker-token"), 201);
        Assert.That(ai["provider"]!.GetValue<string>(), Is.EqualTo("openai"));
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, TriageRule(ai["id"]!.GetValue<string>(), tracker["id"]!.GetValue<string>()), 201);

        var (chatsBefore, writesBefore) = (_provider.Received.Count, _tracker.Received.Count);
        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-31", "Login fails " + promptCanary, "avi:jira:created:issue"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var chat = (await _provider.WaitForAsync(chatsBefore + 1))[chatsBefore];
        Assert.That(chat.Path, Is.EqualTo("/v1/chat/completions"));
        Assert.That(chat.Headers["Authorization"], Is.EqualTo("Bearer " + key));
        Assert.That(chat.Body, Does.Contain(promptCanary));
        var sent = JsonNode.Parse(chat.Body)!;
        Assert.That(sent["model"]!.GetValue<string>(), Is.EqualTo("gpt-4o-mini"));
        Assert.That(sent["temperature"]!.GetValue<double>(), Is.Zero);
        Assert.That(sent["max_completion_tokens"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(sent["response_format"]!["type"]!.GetValue<string>(), Is.EqualTo("json_schema"));
        var write = (await _tracker.WaitForAsync(writesBefore + 1))[writesBefore];
        var written = JsonNode.Parse(write.Body)!;
        Assert.That(write.Path, Is.EqualTo("/api/v2/issues/OPS-31"));
        Assert.That(written["priority"]!.GetValue<string>(), Is.EqualTo("Highest"));
        Assert.That(written["labels"]!.AsArray().Select(l => l!.GetValue<string>()), Is.EqualTo(new[] { "safari", completionCanary }));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        var triage = run["steps"]![0]!;
        Assert.That(triage["type"]!.GetValue<string>(), Is.EqualTo("ai.chat"));
        Assert.That(triage["statusCode"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(triage["metrics"]!["inputTokens"]!.GetValue<int>(), Is.EqualTo(311));
        Assert.That(triage["metrics"]!["outputTokens"]!.GetValue<int>(), Is.EqualTo(24));

        var store = string.Join('\n', await _backend.DumpStoreAsync());
        var files = _backend.DumpDataDirectory();
        // The run's log line is written just after its record: wait for it rather than race it.
        var logs = await Waits.UntilAsync(() => Task.FromResult(_backend.Logs.AllText), text => text.Contains(run["id"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.That(store, Does.Contain(ai["id"]!.GetValue<string>()), "the dump must actually see the stored items");
        Assert.That(logs, Does.Contain(run["id"]!.GetValue<string>()), "the log capture must actually see run lines");
        foreach (var canary in new[] { key, promptCanary, completionCanary })
        {
            Assert.That(store, Does.Not.Contain(canary), "stored items");
            Assert.That(files, Does.Not.Contain(canary), "raw bytes of every file in the data directory");
            Assert.That(logs, Does.Not.Contain(canary), "log lines at every level");
        }
    }

    [Test]
    public async Task Output_that_breaks_the_schema_stops_the_rule_with_ai_invalid_output()
    {
        var tenant = Samples.NewTenant();
        _provider.Respond = _ => (200, Completion("""{"priority":"Whenever"}"""));
        var ai = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, AiConnection("k"), 201);
        var tracker = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_tracker.Address, "t"), 201);
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, TriageRule(ai["id"]!.GetValue<string>(), tracker["id"]!.GetValue<string>()), 201);
        var writesBefore = _tracker.Received.Count;

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-32", "Broken", "avi:jira:created:issue"));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(run["errorCategory"]!.GetValue<string>(), Is.EqualTo("ai_invalid_output"));
        Assert.That(run["steps"]![1]!["status"]!.GetValue<string>(), Is.EqualTo("skipped"));
        Assert.That(_tracker.Received.Count, Is.EqualTo(writesBefore), "no guessed value reaches the next step");
    }

    [Test]
    public async Task Output_with_a_lone_surrogate_escape_fails_the_step_as_ai_invalid_output_not_the_run_as_internal_error()
    {
        // A model writing an emoji as escapes may cut the pair: "\ud83d" alone is JSON grammar but not text.
        var tenant = Samples.NewTenant();
        _provider.Respond = _ => (200, Completion("""{"priority":"High","labels":["safari"],"reason":"Crashes \ud83d"}"""));
        var ai = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, AiConnection("k"), 201);
        var tracker = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_tracker.Address, "t"), 201);
        var rule = TriageRule(ai["id"]!.GetValue<string>(), tracker["id"]!.GetValue<string>());
        rule["steps"]![1]!["if"] = JsonNode.Parse("""{ "field": "steps.triage.output.reason", "op": "contains", "value": "Crash" }""");
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var writesBefore = _tracker.Received.Count;

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-33", "Cut emoji", "avi:jira:created:issue"));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["errorCategory"]?.GetValue<string>(), Is.EqualTo("ai_invalid_output"), run.ToJsonString());
        Assert.That(run["steps"]![0]!["metrics"]!["outputTokens"]!.GetValue<int>(), Is.EqualTo(24), "the step's record is kept, tokens counted");
        Assert.That(run["steps"]![1]!["status"]!.GetValue<string>(), Is.EqualTo("skipped"));
        Assert.That(_tracker.Received.Count, Is.EqualTo(writesBefore));
    }

    [Test]
    public async Task A_rule_on_a_plain_connection_is_rejected_naming_the_field()
    {
        var tenant = Samples.NewTenant();
        var plain = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_tracker.Address, "t"), 201);
        var rule = TriageRule(plain["id"]!.GetValue<string>(), plain["id"]!.GetValue<string>());
        rule["steps"]![0]!.AsObject().Remove("model");

        var problem = await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 400);

        var text = problem.ToJsonString();
        Assert.That(text, Does.Contain("steps[0].connection"));
        Assert.That(text, Does.Contain("steps[0].model"));
    }

    private JsonObject AiConnection(string key) => new()
    {
        ["name"] = "OpenAI " + Guid.NewGuid().ToString("N")[..6],
        ["baseUrl"] = new Uri(_provider.Address, "/v1").ToString(),
        ["auth"] = new JsonObject { ["type"] = "bearer" },
        ["secret"] = key,
        ["provider"] = "openai",
    };

    private static JsonObject TriageRule(string aiConnection, string trackerConnection) => JsonNode.Parse($$$"""
        {
          "name": "Triage new bugs",
          "trigger": { "type": "event", "events": ["avi:jira:created:issue"], "projects": ["OPS"] },
          "steps": [
            {
              "id": "triage", "type": "ai.chat", "connection": "{{{aiConnection}}}", "model": "gpt-4o-mini",
              "system": "You triage bug reports. Answer with JSON only.",
              "prompt": "Summary: {{ issue.fields.summary }}\nDescription: {{ issue.fields.description }}",
              "temperature": 0, "maxTokens": 200,
              "schema": {
                "type": "object",
                "properties": {
                  "priority": { "type": "string", "enum": ["Highest", "High", "Medium", "Low", "Lowest"] },
                  "labels": { "type": "array", "items": { "type": "string" } },
                  "reason": { "type": "string" }
                },
                "required": ["priority", "labels"]
              }
            },
            {
              "id": "apply", "type": "http", "connection": "{{{trackerConnection}}}", "method": "PUT",
              "path": "/issues/{{ issue.key | url_encode }}",
              "body": { "priority": "{{ steps.triage.output.priority }}", "labels": "{{ steps.triage.output.labels }}" }
            }
          ]
        }
        """)!.AsObject();

    private static string Completion(string content) => new JsonObject
    {
        ["id"] = "chatcmpl-e2e",
        ["object"] = "chat.completion",
        ["created"] = 1705314600,
        ["model"] = "gpt-4o-mini-2024-07-18",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 311, ["completion_tokens"] = 24, ["total_tokens"] = 335 },
    }.ToJsonString();
}
