using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Harness;

/// <summary>One request as a third-party API received it.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A loopback "third-party API" that records every request and answers as told.</summary>
public sealed class ThirdPartyApi : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private ThirdPartyApi(LoopbackServer server) => _server = server;

    public Uri Address => _server.Address;

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Status and JSON body to answer with (default 200 {"ok":true}).</summary>
    public Func<ReceivedRequest, (int Status, string Body)> Respond { get; set; } = _ => (200, """{"ok":true,"ticket":{"id":"T-1001"}}""");

    public static async Task<ThirdPartyApi> StartAsync()
    {
        ThirdPartyApi? api = null;
        var server = await LoopbackServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var request = new ReceivedRequest(
                context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
            api!._received.Enqueue(request);
            var (status, responseBody) = api.Respond(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(responseBody);
        });
        api = new ThirdPartyApi(server);
        return api;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived; fails the test when they have not within the bound.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var bound = timeout ?? TimeSpan.FromSeconds(30); // generous: reached only when the test fails (a loaded CI host took over 10 s once)
        var deadline = DateTime.UtcNow + bound;
        while (_received.Count < count)
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"Waited {bound.TotalSeconds:0.#} s for {count} request(s) at the third party; {_received.Count} arrived.");
            }

            await Task.Delay(20);
        }

        return Received;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
