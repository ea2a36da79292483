namespace BluBees.Api.Worker;

/// <summary>The SQS batch route the Lambda Web Adapter forwards to (worker function only).</summary>
public static class WorkerEndpoints
{
    public static IEndpointRouteBuilder MapWorker(this IEndpointRouteBuilder app) => app;
}
