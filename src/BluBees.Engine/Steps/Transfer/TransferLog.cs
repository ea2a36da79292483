using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>Transfer log lines: step id, counts and categories only; never a URL, header or byte of the body.</summary>
internal static partial class TransferLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Transfer step {StepId} moved {Bytes} bytes in {DurationMs} ms")]
    public static partial void Completed(ILogger logger, string stepId, long bytes, long durationMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Transfer step {StepId} failed at the {Side}: {Category} after {Bytes} bytes")]
    public static partial void Failed(ILogger logger, string stepId, string side, string category, long bytes);
}
