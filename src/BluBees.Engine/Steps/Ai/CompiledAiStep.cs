using System.Text.Json.Nodes;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Ai;

/// <summary>A compiled <c>ai.chat</c> step: prompts parsed once, the output schema checked once, per rule version.</summary>
internal sealed record CompiledAiStep(
    string Id,
    string ConnectionId,
    string Model,
    Template? System,
    Template Prompt,
    float? Temperature,
    int MaxTokens,
    JsonObject? Schema,
    TimeSpan Timeout,
    bool ContinueOnError) : ICompiledStep
{
    public const string KindName = "ai.chat";

    public string Kind => KindName;

    /// <summary>Every provider call is a POST.</summary>
    public string? Method => "POST";

    string? ICompiledStep.ConnectionId => ConnectionId;
}
