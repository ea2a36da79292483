using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Aws.Tests.Fakes;

/// <summary>An AWS service error on the JSON protocols: HTTP 400 with <c>{"__type": …, "message": …}</c>.</summary>
public sealed class AwsFaultException(string type, string message, int status = 400) : Exception(message)
{
    public string Type { get; } = type;
    public int Status { get; } = status;
}

/// <summary>
/// A loopback server speaking the AWS JSON protocols (1.0 and 1.1): the operation is the part of
/// <c>X-Amz-Target</c> after the dot, the request and the answer are JSON objects, errors carry <c>__type</c>.
/// The real SDK clients point their <c>ServiceURL</c> at <see cref="Address"/>.
/// </summary>
public sealed class AwsJsonServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly List<string> _operations = [];

    private AwsJsonServer(LoopbackServer server) => _server = server;

    public Uri Address => _server.Address;

    /// <summary>
    /// Runs before the operation's handler; returns true when it answered (or broke) the exchange itself: fault
    /// injection at the wire level (HTTP 5xx, a reset connection, no answer).
    /// </summary>
    public Func<string, HttpContext, Task<bool>>? Interceptor { get; set; }

    /// <summary>Every operation called, in order (e.g. "GenerateDataKey").</summary>
    public IReadOnlyList<string> Operations
    {
        get
        {
            lock (_operations)
            {
                return [.. _operations];
            }
        }
    }

    public static async Task<AwsJsonServer> StartAsync(string contentType, Func<string, JsonObject, JsonObject> handle)
    {
        AwsJsonServer? self = null;
        var server = await LoopbackServer.StartAsync(async context =>
        {
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
            lock (self!._operations)
            {
                self._operations.Add(operation);
            }

            if (self.Interceptor is { } intercept && await intercept(operation, context))
            {
                return;
            }

            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            int status;
            JsonObject answer;
            try
            {
                answer = handle(operation, JsonNode.Parse(text.Length == 0 ? "{}" : text) as JsonObject ?? []);
                status = 200;
            }
            catch (AwsFaultException fault)
            {
                answer = new JsonObject { ["__type"] = fault.Type, ["message"] = fault.Message };
                status = fault.Status;
                context.Response.Headers["x-amzn-ErrorType"] = fault.Type;
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            await context.Response.WriteAsync(answer.ToJsonString());
        });
        self = new AwsJsonServer(server);
        return self;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
