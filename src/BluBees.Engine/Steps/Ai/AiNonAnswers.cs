using Microsoft.Extensions.AI;

namespace BluBees.Engine.Steps.Ai;

/// <summary>
/// A 2xx completion that is not an answer: the model refused (OpenAI's <c>message.refusal</c>, surfaced as an
/// <see cref="ErrorContent"/>; Anthropic's <c>stop_reason: "refusal"</c>), the provider's content filter cut it
/// (<c>finish_reason: "content_filter"</c>), or it asks for a tool call though the step offers no tools. Its text is
/// empty or partial, so nothing may reach later steps.
/// </summary>
internal static class AiNonAnswers
{
    /// <summary>A fixed reason for the log line (never the provider's words), or null for an answer.</summary>
    public static string? Of(ChatResponse response)
    {
        if (response.FinishReason == ChatFinishReason.ContentFilter || response.Messages.Any(m => m.Contents.Any(c => c is ErrorContent)))
        {
            return "refused or filtered";
        }

        return response.FinishReason == ChatFinishReason.ToolCalls || response.Messages.Any(m => m.Contents.Any(c => c is FunctionCallContent))
            ? "tool call"
            : null;
    }
}
