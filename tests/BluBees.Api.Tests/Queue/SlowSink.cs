using System.Collections.Concurrent;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A loopback third party that counts deliveries per path and answers after <see cref="Delay"/>; paths containing
/// <see cref="HangMarker"/> wait until <see cref="ReleaseHung"/> (a hanging host). <see cref="Arrivals"/> says what
/// else was in flight when each request arrived (which runs overlapped).
/// </summary>
public sealed class SlowSink : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackServer? _server;
    private readonly List<string> _inFlight = [];
    private readonly List<(string Path, string[] Beside)> _arrivals = [];

    public Uri Address => _server!.Address;
    public TimeSpan Delay { get; set; }
    public string HangMarker { get; set; } = "HANG";

    /// <summary>Each arrival in order, with the other requests in flight at that moment (paths).</summary>
    public IReadOnlyList<(string Path, string[] Beside)> Arrivals
    {
        get
        {
            lock (_inFlight)
            {
                return [.. _arrivals];
            }
        }
    }

    /// <summary>Deliveries per request path (each arrival counts, also those still waiting).</summary>
    public IReadOnlyDictionary<string, int> Hits => _hits;

    public int Count(string pathPart) => _hits.Where(h => h.Key.Contains(pathPart, StringComparison.Ordinal)).Sum(h => h.Value);

    public static async Task<SlowSink> StartAsync()
    {
        var sink = new SlowSink();
        sink._server = await LoopbackServer.StartAsync(sink.HandleAsync);
        return sink;
    }

    public void ReleaseHung() => _release.TrySetResult();

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        lock (_inFlight)
        {
            _arrivals.Add((path, [.. _inFlight]));
            _inFlight.Add(path);
        }

        try
        {
            if (path.Contains(HangMarker, StringComparison.Ordinal))
            {
                await _release.Task.WaitAsync(context.RequestAborted);
            }
            else if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            lock (_inFlight)
            {
                _inFlight.Remove(path);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"ok":true}""");
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHung();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
