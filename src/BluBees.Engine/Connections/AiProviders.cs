namespace BluBees.Engine.Connections;

/// <summary>The AI provider wire formats a connection can speak; <c>ai.chat</c> steps need a connection with one.</summary>
internal static class AiProviders
{
    /// <summary>OpenAI-compatible chat completions (OpenAI, Azure OpenAI v1, compatible gateways): POST {baseUrl}/chat/completions.</summary>
    public const string OpenAi = "openai";

    /// <summary>Anthropic messages: POST {baseUrl}/v1/messages.</summary>
    public const string Anthropic = "anthropic";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { OpenAi, Anthropic };
}
