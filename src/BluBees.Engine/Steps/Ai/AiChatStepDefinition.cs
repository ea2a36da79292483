using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Ai;

/// <summary>An <c>ai.chat</c> step: a chat completion through an AI provider connection.</summary>
public sealed record AiChatStepDefinition : StepDefinition
{
    public AiChatStepDefinition() => Type = CompiledAiStep.KindName;

    /// <summary>An AI provider connection (provider openai or anthropic).</summary>
    public string? Connection { get; init; }

    /// <summary>The provider's model id.</summary>
    public string? Model { get; init; }

    /// <summary>The system prompt template.</summary>
    public string? System { get; init; }

    /// <summary>The user prompt template.</summary>
    public string? Prompt { get; init; }

    public double? Temperature { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>A JSON schema (object root) for structured output.</summary>
    public JsonNode? Schema { get; init; }

    public int? TimeoutSeconds { get; init; }
}
