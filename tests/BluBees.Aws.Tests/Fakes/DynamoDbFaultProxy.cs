using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Aws.Tests.Fakes;

/// <summary>
/// How DynamoDB refuses a request, on the wire (AWS JSON 1.0: HTTP status, <c>__type</c> and <c>message</c>;
/// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
/// </summary>
public enum DynamoDbFault
{
    /// <summary>HTTP 400 ProvisionedThroughputExceededException (the SDK retries it, then gives up).</summary>
    ProvisionedThroughputExceeded,

    /// <summary>HTTP 400 ThrottlingException (control-plane and on-demand throttling).</summary>
    Throttling,

    /// <summary>HTTP 500 InternalServerError.</summary>
    InternalServerError,

    /// <summary>No answer at all until the client gives up (a network path that drops the request).</summary>
    NoAnswer,
}

/// <summary>
/// A loopback proxy in front of dynalite that forwards every request unchanged, except those a test arms it to
/// refuse: the real SDK client talks to it as it would to DynamoDB, and a refused request never reaches the table.
/// </summary>
public sealed class DynamoDbFaultProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream;
    private LoopbackServer _server = null!;
    private volatile Func<string, JsonObject, DynamoDbFault?>? _fault;
    private volatile Func<string, JsonObject, bool>? _hold;
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _refused;

    private DynamoDbFaultProxy(HttpClient upstream) => _upstream = upstream;

    public Uri Address => _server.Address;

    /// <summary>How many requests were refused since the proxy started.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Refuses every request for which <paramref name="fault"/> (operation, request body) answers a fault; null heals.</summary>
    public void Fail(Func<string, JsonObject, DynamoDbFault?>? fault) => _fault = fault;

    /// <summary>
    /// Holds the first request <paramref name="match"/> picks (operation, request body) before it reaches the table,
    /// until <see cref="ReleaseHeld"/>; the task completes when it arrives. Released, it is forwarded even if its client
    /// gave up meanwhile: a request DynamoDB received may be applied although its caller never sees the answer.
    /// </summary>
    public Task Hold(Func<string, JsonObject, bool> match)
    {
        _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hold = match;
        return _held.Task;
    }

    public void ReleaseHeld() => _release.TrySetResult();

    public static async Task<DynamoDbFaultProxy> StartAsync(Uri dynalite)
    {
        var upstream = new HttpClient { BaseAddress = dynalite };
        var self = new DynamoDbFaultProxy(upstream);
        self._server = await LoopbackServer.StartAsync(async context =>
        {
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            var body = JsonNode.Parse(text.Length == 0 ? "{}" : text) as JsonObject ?? [];
            if (self._hold is { } hold && hold(operation, body))
            {
                self._hold = null;
                self._held.TrySetResult();
                await self._release.Task;
            }

            if (self._fault is { } rule && rule(operation, body) is { } fault)
            {
                Interlocked.Increment(ref self._refused);
                if (fault == DynamoDbFault.NoAnswer)
                {
                    try
                    {
                        await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        // The client gave up, as it should.
                    }

                    return;
                }

                var (status, type) = fault switch
                {
                    DynamoDbFault.ProvisionedThroughputExceeded => (400, "ProvisionedThroughputExceededException"),
                    DynamoDbFault.Throttling => (400, "ThrottlingException"),
                    _ => (500, "InternalServerError"),
                };
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/x-amz-json-1.0";
                context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString("N");
                await context.Response.WriteAsync(new JsonObject
                {
                    ["__type"] = "com.amazonaws.dynamodb.v20120810#" + type,
                    ["message"] = "Refused by the test's fault proxy",
                }.ToJsonString());
                return;
            }

            using var forward = new HttpRequestMessage(HttpMethod.Post, context.Request.Path.Value)
            {
                Content = new StringContent(text),
            };
            forward.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/x-amz-json-1.0");
            foreach (var header in new[] { "X-Amz-Target", "X-Amz-Date", "Authorization" })
            {
                if (context.Request.Headers.TryGetValue(header, out var value))
                {
                    forward.Headers.TryAddWithoutValidation(header, value.ToString());
                }
            }

            using var answer = await upstream.SendAsync(forward);
            context.Response.StatusCode = (int)answer.StatusCode;
            context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            foreach (var header in new[] { "x-amzn-RequestId", "x-amz-crc32" })
            {
                if (answer.Headers.TryGetValues(header, out var values))
                {
                    context.Response.Headers[header] = values.First();
                }
            }

            await context.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync());
        });
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHeld();
        await _server.DisposeAsync();
        _upstream.Dispose();
    }
}
