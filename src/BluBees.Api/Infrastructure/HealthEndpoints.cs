using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// <c>GET /health</c>: unauthenticated, says ok or not ok and nothing else; it reads the store.
/// <c>GET /ready</c>: the Lambda Web Adapter's readiness probe (<c>AWS_LWA_READINESS_CHECK_PATH</c>): answers as
/// soon as the app serves requests, with no store, key or queue call, so a cold start neither waits for nor
/// depends on DynamoDB. From SIGTERM on (the ingress gate closed, the worker draining) it answers 503
/// <c>{"status":"draining"}</c> with <c>Retry-After</c>, so a balancer or orchestrator stops sending work there.
/// </summary>
internal static partial class HealthEndpoints
{
    public const string ReadyPath = "/ready";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).AllowAnonymous().AnswerWrongMethodsToAnyone().WithName("Health");
        app.MapGet(ReadyPath, Ready).AllowAnonymous().AnswerWrongMethodsToAnyone().WithName("Ready");
        return app;
    }

    internal static Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>> Ready(IngressGate gate, HttpResponse response)
    {
        if (gate.Accepting)
        {
            return TypedResults.Ok(new HealthResponse("ready"));
        }

        response.Headers.RetryAfter = Ingress.IngressResults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Json(new HealthResponse("draining"), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    internal static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> CheckAsync(IStore store, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            await store.ProbeAsync(ct);
            return TypedResults.Ok(new HealthResponse("ok"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The type only: a store exception's message can name the file, the table or the endpoint.
            LogUnhealthy(loggers.CreateLogger(typeof(HealthEndpoints).FullName!), ex.GetType().Name);
            return TypedResults.Json(new HealthResponse("unavailable"), statusCode: 503);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check failed: the store did not answer ({ExceptionType}); /health answers 503")]
    private static partial void LogUnhealthy(ILogger logger, string exceptionType);
}

internal sealed record HealthResponse(string Status);
