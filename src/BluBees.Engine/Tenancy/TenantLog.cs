using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Tenancy;

/// <summary>Log lines of <see cref="TenantService"/> (exception types only, never a tenant's data).</summary>
internal static partial class TenantLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Uninstall refused part way ({ExceptionType}); asked to be finished later")]
    public static partial void FinishRequested(ILogger logger, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Asking to finish an uninstall later failed ({RequestExceptionType}; erase refused: {ExceptionType}); if its erase does not finish, what it left stays until an operator deletes it")]
    public static partial void FinishNotRequested(ILogger logger, string exceptionType, string requestExceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uninstall: the store's files could not be rewritten now (a reader on an old snapshot, the write lock busy, the disk full); the deleted rows may stay readable in them until the next retention purge")]
    public static partial void EraseUnfinished(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uninstall could not finish within its answer's bound ({ExceptionType}); recorded as pending, it finishes in the background")]
    public static partial void UninstallLeftPending(ILogger logger, string exceptionType);
}
