using System.Text.Json;
using BluBees.Api.Infrastructure;
using BluBees.Aws.Composition;
using BluBees.Aws.Sqs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Worker;

/// <summary>
/// The SQS batch route the Lambda Web Adapter forwards to (worker function only). Mapped only when
/// the worker choice is <see cref="WorkerMode.SqsRoute"/> (<c>Worker:Mode=SqsRoute</c>, or the older <c>Worker:Enabled=true</c>). Anonymous on purpose: on the worker function the adapter POSTs the raw SQS
/// event from inside the sandbox (<c>AWS_LWA_PASS_THROUGH_PATH</c>) over 127.0.0.1; the worker has no HTTP
/// trigger, and the HTTP API (API function, where the route is not even mapped) routes no <c>/internal/*</c>.
/// It answers only callers on this machine: a worker bound to a network address (a container, a host outside Lambda)
/// answered anyone who could reach its port, and read and processed whatever batch they posted.
/// </summary>
internal static partial class WorkerEndpoints
{
    public const string Route = "/internal/sqs-batch";

    public static IEndpointRouteBuilder MapWorker(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<ProviderChoices>().Worker == WorkerMode.SqsRoute)
        {
            app.MapPost(Route, ReceiveBatchAsync).AllowAnonymous().WithName("SqsBatch").AddEndpointFilter(LoopbackOnlyAsync).AddEndpointFilter(RaiseBodyLimitAsync);
        }

        return app;
    }

    /// <summary>
    /// Before the body is read: a caller that is not on this machine gets a 403 and nothing of its batch is read, and so
    /// does a request a proxy says it forwarded (<see cref="ForwardedRequests"/>): a proxy or tunnel agent on this machine
    /// connects from 127.0.0.1 for whoever called it. The adapter's pass-through request carries none of those headers
    /// (only <c>Content-Type</c>, <c>x-amzn-request-context</c>, <c>x-amzn-lambda-context</c>:
    /// https://github.com/awslabs/aws-lambda-web-adapter, src/lib.rs, and lambda-http's <c>into_pass_through_request</c>).
    /// </summary>
    private static ValueTask<object?> LoopbackOnlyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (LoopbackCallers.IsLoopback(context.HttpContext) && !ForwardedRequests.AnyIn(context.HttpContext.Request))
        {
            return next(context);
        }

        LogRefused(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WorkerEndpoints).FullName!));
        return ValueTask.FromResult<object?>(Problems.Forbidden("The SQS batch route answers only callers on this machine (a loopback address) whose request no proxy says it forwarded: the Lambda Web Adapter of the worker function."));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS batch route refused a caller that is not on this machine (not a loopback address, or a request a proxy forwarded); nothing of its body was read")]
    private static partial void LogRefused(ILogger logger);

    /// <summary>
    /// After the caller check, before the body is read: a batch of 10 messages is larger than the ingress limit that
    /// Kestrel applies to every other route. Raised only for a caller on this machine, so a refused one's body is
    /// still bounded by the server's limit.
    /// </summary>
    private static ValueTask<object?> RaiseBodyLimitAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = context.HttpContext.RequestServices.GetRequiredService<IOptions<WorkerOptions>>().Value.MaxBatchBytes;
        }

        return next(context);
    }

    internal static async Task<Results<Ok<SqsBatchResponse>, ProblemHttpResult>> ReceiveBatchAsync(HttpRequest request, SqsBatchProcessor processor, CancellationToken ct)
    {
        SqsEvent? batch;
        try
        {
            batch = await JsonSerializer.DeserializeAsync<SqsEvent>(request.Body, SqsEvent.JsonOptions, ct);
        }
        catch (JsonException)
        {
            batch = null;
        }

        // A null record ({"Records":[null]}) reached the processor, whose first read of it threw: a 500.
        var nullRecord = batch?.Records?.Select((record, index) => record is null ? index : -1).FirstOrDefault(i => i >= 0, -1) ?? -1;
        var field = batch?.Records is null ? "Records" : nullRecord >= 0 ? $"Records[{nullRecord}]" : null;
        if (field is not null)
        {
            // The event source mapping never sends this; whoever did gets a clear 400, not a batch response.
            return Problems.Status(400, "Not an SQS event", "The body must be a Lambda SQS event with a Records array of record objects.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = ["must be an array of SQS record objects"] } });
        }

        return TypedResults.Ok(await processor.ProcessAsync(batch!, ct));
    }
}
