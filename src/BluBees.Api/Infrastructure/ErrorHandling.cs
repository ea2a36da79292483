using Microsoft.AspNetCore.Diagnostics;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Maps exceptions once. Bad requests detected by the server keep their 4xx; anything else is a 500 whose
/// body names nothing but a trace id. Only the exception type is logged: messages may quote data.
/// </summary>
internal sealed partial class ErrorHandling(ILogger<ErrorHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        if (exception is BadHttpRequestException || IsUnreadableFraming(exception))
        {
            var status = (exception as BadHttpRequestException)?.StatusCode ?? StatusCodes.Status400BadRequest;
            var (title, detail) = status switch
            {
                413 => ("Payload too large", "The body is too large."),
                408 => ("Request timeout", "The body did not arrive in time (it was shorter than its Content-Length, or too slow)."),
                _ => ("Bad request", "The request could not be read."),
            };
            UnreadBody.Close(context);
            await Problems.Write(context, status, title, detail);
            return true;
        }

        if (exception is BluBees.Api.Auth.NoVerifiedTenantException)
        {
            // A route that binds the tenant was reached without Forge authentication setting one: refuse as
            // unauthenticated, never serve it (and never a 500 the caller could mistake for a transient failure).
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.Write(context, 401, "Unauthorized", "A Forge Invocation Token is required in the Authorization header (Bearer).");
            return true;
        }

        if (exception is BluBees.Aws.Sqs.RunMessageTooLargeException tooLarge)
        {
            // Retrying cannot help; the ingress has already removed its de-duplication marker.
            await Problems.Write(context, 413, "Payload too large", $"body: the event is too large to queue, even compressed (limit {tooLarge.Limit} bytes).");
            return true;
        }

        if (exception is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked })
        {
            // The embedded file's lock was not free within the command timeout (another process holds it): as
            // transient as DynamoDB throttling, so the same 503 with Retry-After.
            LogStoreBusy(logger, exception.GetType().Name, context.Request.Method, context.GetEndpoint()?.DisplayName ?? "unknown");
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Write(context, 503, "Service unavailable", "The store is busy right now; the request was not completed. Retry later.");
            return true;
        }

        if (exception is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: var code } && StoreUnavailable(code))
        {
            // The embedded file cannot be written or read (disk full, an I/O error, the file or its volume made
            // read-only, removed, or damaged): the store is down, not the request wrong. 503 with Retry-After, so Forge
            // redelivers an event and an admin retries; the operator's Warning names the SQLite code, never the message
            // (it may quote a path).
            LogStoreUnavailable(logger, exception.GetType().Name, code, context.Request.Method, context.GetEndpoint()?.DisplayName ?? "unknown");
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Write(context, 503, "Service unavailable", "The store cannot take the request right now; nothing was completed. Retry later.");
            return true;
        }

        if (exception is BluBees.Engine.Crypto.KeyRingUnavailableException || BluBees.Aws.Kms.KmsKeyRefusals.IsKeyUnusable(exception))
        {
            // The embedded key ring file is missing, unreadable or without the key asked for, or KMS refuses the key
            // (disabled, pending deletion, deleted, access denied): no data key can be wrapped or unwrapped until the
            // operator makes it usable again. Never the path, key id or KMS's message in the answer or the log.
            LogKeysUnavailable(logger, exception.GetType().Name, context.Request.Method, context.GetEndpoint()?.DisplayName ?? "unknown");
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Write(context, 503, "Service unavailable", "The encryption keys cannot be read right now; nothing was completed. Retry later.");
            return true;
        }

        if (BluBees.Aws.AwsTransientErrors.IsTransient(exception))
        {
            // DynamoDB (or KMS) throttled or failed even after the SDK's bounded retries: the caller should retry, not
            // take it for a bug. Only the exception type is logged; the service's message is never echoed.
            LogTransient(logger, exception.GetType().Name, context.Request.Method, context.GetEndpoint()?.DisplayName ?? "unknown");
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Write(context, 503, "Service unavailable", "A backend service is throttling or failing right now; the request was not completed. Retry later.");
            return true;
        }

        LogUnhandled(logger, exception.GetType().Name, context.Request.Method, context.GetEndpoint()?.DisplayName ?? "unknown");
        await Problems.Write(context, 500, "Internal error", "An internal error occurred. It has been logged without any request data. Trace id: " + context.TraceIdentifier);
        return true;
    }

    /// <summary>
    /// A body whose chunked framing Kestrel cannot read but reports as a plain <see cref="IOException"/>, not as a bad
    /// request: a chunk size that overflows (<c>ffffffff</c>), an OverflowException inside. The caller's fault: a 400.
    /// </summary>
    private static bool IsUnreadableFraming(Exception exception)
        => exception.GetType() == typeof(IOException) && exception.InnerException is OverflowException
            && exception.Source == "Microsoft.AspNetCore.Server.Kestrel.Core";

    /// <summary>Seconds a caller refused for a transient AWS failure should wait (as the ingress's own 503s).</summary>
    private const int RetryAfterSeconds = BluBees.Api.Ingress.IngressResults.RetryAfterSeconds;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    /// <summary>
    /// SQLite's primary result codes for a store that cannot serve, whatever the request: SQLITE_READONLY (8),
    /// SQLITE_IOERR (10), SQLITE_CORRUPT (11), SQLITE_FULL (13), SQLITE_CANTOPEN (14), SQLITE_NOTADB (26). Extended
    /// codes carry the primary one in their low byte.
    /// </summary>
    private static bool StoreUnavailable(int code) => (code & 0xFF) is 8 or 10 or 11 or 13 or 14 or 26;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store busy ({ExceptionType}: the SQLite file stayed locked) in {Method} {Endpoint}; answered 503 with Retry-After")]
    private static partial void LogStoreBusy(ILogger logger, string exceptionType, string method, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store unavailable ({ExceptionType}, SQLite code {SqliteCode}: disk full, I/O error, read-only or damaged file) in {Method} {Endpoint}; answered 503 with Retry-After")]
    private static partial void LogStoreUnavailable(ILogger logger, string exceptionType, int sqliteCode, string method, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keys unavailable ({ExceptionType}: the local key ring file is missing, unreadable or lacks a key, or KMS refuses the key) in {Method} {Endpoint}; answered 503 with Retry-After")]
    private static partial void LogKeysUnavailable(ILogger logger, string exceptionType, string method, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transient AWS failure {ExceptionType} in {Method} {Endpoint}; answered 503 with Retry-After")]
    private static partial void LogTransient(ILogger logger, string exceptionType, string method, string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled {ExceptionType} in {Method} {Endpoint}")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, string method, string endpoint);
}
