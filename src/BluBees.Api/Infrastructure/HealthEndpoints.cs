using BluBees.Engine.Storage;

namespace BluBees.Api.Infrastructure;

/// <summary><c>GET /health</c>: unauthenticated, says ok or not ok and nothing else.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).AllowAnonymous().WithName("Health");
        return app;
    }

    internal static async Task<IResult> CheckAsync(IStore store, CancellationToken ct)
    {
        try
        {
            await store.GetAsync("HEALTH", "HEALTH", ct);
            return TypedResults.Ok(new HealthResponse("ok"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return TypedResults.Json(new HealthResponse("unavailable"), statusCode: 503);
        }
    }
}

public sealed record HealthResponse(string Status);
