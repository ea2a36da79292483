using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// Answers that are not an answer: a refusal (OpenAI's <c>message.refusal</c> with <c>content: null</c>; Anthropic's
/// <c>stop_reason: "refusal"</c>), a completion cut by the provider's content filter (<c>finish_reason:
/// "content_filter"</c>), or a tool call when the step offers no tools (<c>finish_reason: "tool_calls"</c> /
/// <c>stop_reason: "tool_use"</c>). They came through as a successful step with an empty or partial text, which later
/// steps then wrote into Jira or a third party; they fail with <c>ai_invalid_output</c>, nothing passed on.
/// Shapes: OpenAI chat completion object, Anthropic messages response (platform API references).
/// </summary>
public sealed class AiRefusalTests
{
    private const string Canary = "CANARY-refusal-5d1c";

    private static string OpenAi(string message, string finish) =>
        $$$"""{"id":"chatcmpl-r","object":"chat.completion","created":1705314600,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{{{message}}},"logprobs":null,"finish_reason":"{{{finish}}}"}],"usage":{"prompt_tokens":30,"completion_tokens":6,"total_tokens":36}}""";

    private static string Anthropic(string content, string stop) =>
        $$$"""{"id":"msg_r","type":"message","role":"assistant","model":"claude-x","content":{{{content}}},"stop_reason":"{{{stop}}}","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":6}}""";

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(AiProviders.OpenAi, OpenAi($$$"""{"role":"assistant","content":null,"refusal":"I can't help with that. {{{Canary}}}"}""", "stop")).SetName("openai: refusal");
        yield return new TestCaseData(AiProviders.OpenAi, OpenAi($$$"""{"role":"assistant","content":"Partial {{{Canary}}}","refusal":null}""", "content_filter")).SetName("openai: content filter");
        yield return new TestCaseData(AiProviders.OpenAi, OpenAi($$$"""{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"{{{Canary}}}\"}"}}]}""", "tool_calls")).SetName("openai: unrequested tool call");
        yield return new TestCaseData(AiProviders.Anthropic, Anthropic($$$"""[{"type":"text","text":"{{{Canary}}}"}]""", "refusal")).SetName("anthropic: refusal");
        yield return new TestCaseData(AiProviders.Anthropic, Anthropic($$$"""[{"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"{{{Canary}}}"}}]""", "tool_use")).SetName("anthropic: unrequested tool use");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task ARefusalAFilteredAnswerOrAToolCallFailsTheStep(string provider, string answer)
    {
        using var kit = new AiKit();
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, answer, ct, ("Content-Type", "application/json")));
        var connection = await kit.ConnectionAsync(provider, server.Url(provider == AiProviders.OpenAi ? "/v1" : "/"), "sk-refusal");
        var step = $$$"""{ "id": "summary", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m-1", "prompt": "Summarise {{ issue.key }}" }""";

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.AiInvalidOutput));
        Assert.That(outcome.Output, Is.Null, "no empty or partial text reaches later steps");
        Assert.That(outcome.Record.Metrics!.OutputTokens, Is.EqualTo(6), "the tokens were spent and are counted");
        Assert.That(await kit.TracesAsync(outcome), Does.Not.Contain(Canary));
    }

    [Test]
    public async Task AnAnswerCutAtMaxTokensWithoutASchemaIsStillText()
    {
        using var kit = new AiKit();
        var answer = OpenAi("""{"role":"assistant","content":"Users on Safari cannot","refusal":null}""", "length");
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, answer, ct, ("Content-Type", "application/json")));
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), "sk-refusal");
        var step = $$$"""{ "id": "summary", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m-1", "prompt": "Summarise {{ issue.key }}", "maxTokens": 5 }""";

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Output!["text"]!.GetValue<string>(), Is.EqualTo("Users on Safari cannot"));
        Assert.That(outcome.Output!["finishReason"]!.GetValue<string>(), Is.EqualTo("length"));
    }
}
