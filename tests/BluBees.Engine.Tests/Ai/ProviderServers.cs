using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Egress;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// Loopback servers that speak the providers' real wire formats: OpenAI chat completions
/// (POST /v1/chat/completions) and Anthropic messages (POST /v1/messages), success and error bodies alike.
/// </summary>
internal static class ProviderServers
{
    public static LoopbackServer OpenAi(string content, int inputTokens = 42, int outputTokens = 7) =>
        LoopbackServer.Start((request, stream, ct) => LoopbackServer.RespondAsync(stream, 200, OpenAiCompletion(request, content, inputTokens, outputTokens), ct, ("Content-Type", "application/json")));

    public static LoopbackServer Anthropic(string text, int inputTokens = 42, int outputTokens = 7) =>
        LoopbackServer.Start((request, stream, ct) => LoopbackServer.RespondAsync(stream, 200, AnthropicMessage(request, text, inputTokens, outputTokens), ct, ("Content-Type", "application/json")));

    /// <summary>
    /// A provider that answers a non-streamed request only once the whole completion is generated: nothing, not even the
    /// status line, arrives for <paramref name="thinking"/> (as with a long completion over the real APIs).
    /// </summary>
    public static LoopbackServer Thinking(string provider, TimeSpan thinking, string content) =>
        LoopbackServer.Start(async (request, stream, ct) =>
        {
            await Task.Delay(thinking, ct);
            var body = provider == "anthropic" ? AnthropicMessage(request, content, 42, 7) : OpenAiCompletion(request, content, 42, 7);
            await LoopbackServer.RespondAsync(stream, 200, body, ct, ("Content-Type", "application/json"));
        });

    /// <summary>Answers every request with <paramref name="status"/> and the provider's error body, echoing <paramref name="echo"/> in it.</summary>
    public static LoopbackServer Error(string provider, int status, string echo) =>
        LoopbackServer.Start((_, stream, ct) => LoopbackServer.RespondAsync(stream, status, ErrorBody(provider, status, echo), ct, ("Content-Type", "application/json")));

    public static JsonObject Json(RecordedRequest request) => JsonNode.Parse(request.Body)!.AsObject();

    private static string OpenAiCompletion(RecordedRequest request, string content, int inputTokens, int outputTokens)
    {
        var model = Json(request)["model"]?.GetValue<string>() ?? "unknown";
        return new JsonObject
        {
            ["id"] = "chatcmpl-AIk7",
            ["object"] = "chat.completion",
            ["created"] = 1705314600,
            ["model"] = model + "-2024-07-18",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = inputTokens, ["completion_tokens"] = outputTokens, ["total_tokens"] = inputTokens + outputTokens },
            ["system_fingerprint"] = "fp_44709d6fcb",
        }.ToJsonString();
    }

    private static string AnthropicMessage(RecordedRequest request, string text, int inputTokens, int outputTokens)
    {
        var model = Json(request)["model"]?.GetValue<string>() ?? "unknown";
        return new JsonObject
        {
            ["id"] = "msg_01XFDUDYJgAACzvnptvVoYEL",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
            ["stop_reason"] = "end_turn",
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject { ["input_tokens"] = inputTokens, ["output_tokens"] = outputTokens },
        }.ToJsonString();
    }

    private static string ErrorBody(string provider, int status, string echo) => provider == "anthropic"
        ? JsonSerializer.Serialize(new { type = "error", error = new { type = status >= 500 ? "api_error" : "invalid_request_error", message = "rejected: " + echo } })
        : JsonSerializer.Serialize(new { error = new { message = "rejected: " + echo, type = status >= 500 ? "server_error" : "invalid_request_error", param = (string?)null, code = (string?)null } });
}
