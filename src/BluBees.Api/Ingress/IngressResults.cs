using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Ingress;

/// <summary>
/// The HTTP translation of the engine's one ingress, shared by every source: events, webhooks, schedules, manual runs.
/// 202 <c>accepted</c>; 202 <c>queued</c> (the same event is already queued: it runs once); 200 <c>duplicate</c> (its
/// run finished); 200 <c>filtered</c> (no enabled rule could match: not queued); 503 ProblemDetails with
/// <c>Retry-After</c> when nothing was kept (queue full, or the backend is draining for shutdown).
/// </summary>
internal static class IngressResults
{
    /// <summary>Seconds a refused sender should wait (also sent as <c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 30;

    public static Results<Accepted<IngestResponse>, Ok<IngestResponse>, UnavailableProblem> From(IngestResult result) => result switch
    {
        IngestResult.Accepted => TypedResults.Accepted((string?)null, new IngestResponse("accepted")),
        IngestResult.AlreadyQueued => TypedResults.Accepted((string?)null, new IngestResponse("queued")),
        IngestResult.Duplicate => TypedResults.Ok(new IngestResponse("duplicate")),
        IngestResult.Filtered => TypedResults.Ok(new IngestResponse("filtered")),
        _ => Unavailable(),
    };

    /// <summary>503 with Retry-After: nothing was kept, the sender should retry.</summary>
    public static UnavailableProblem Unavailable()
        => Problems.Unavailable("Unavailable",
            "The backend cannot accept work right now (queue full or shutting down); nothing was kept. Retry later.", retryAfterSeconds: RetryAfterSeconds);
}
