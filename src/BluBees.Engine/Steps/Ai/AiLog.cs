using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Steps.Ai;

/// <summary>AI step log lines: ids, provider, category and exception type; never a prompt, completion, key or exception message.</summary>
internal static partial class AiLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "AI step {StepId} via {Provider} failed: {Category} ({ExceptionType}, status {StatusCode})")]
    public static partial void CallFailed(ILogger logger, string stepId, string provider, string category, string exceptionType, int? statusCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "AI step {StepId} via {Provider} returned output that does not match its schema")]
    public static partial void InvalidOutput(ILogger logger, string stepId, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "AI step {StepId} via {Provider} got no answer: {Reason}")]
    public static partial void NoAnswer(ILogger logger, string stepId, string provider, string reason);
}
